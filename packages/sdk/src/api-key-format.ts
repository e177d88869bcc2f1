import { crc32 } from 'node:zlib';

/**
 * Tessera's API key format, `<prefix>_<environment>_<32 base62 random><6 base62 CRC32>`
 * (API.md, "API key format"), checked offline: a secret scanner or a CLI can tell a real key
 * from a typo without asking the server. The same algorithm as the server's
 * src/modules/api-keys/api-key-format.ts; a test checks both agree on keys the server makes.
 */

export const API_KEY_ENVIRONMENTS = ['live', 'test', 'dev'] as const;
export type ApiKeyEnvironment = (typeof API_KEY_ENVIRONMENTS)[number];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM_LENGTH = 6;
const API_KEY_SHAPE = /^([a-z0-9]{1,16})_(live|test|dev)_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;
const PREFIX_SHAPE = /^[a-z0-9]{1,16}$/;
/** Characters of a key after `<prefix>_<environment>_`: 32 random, 6 of checksum. */
const TAIL_LENGTH = 38;

export interface WellFormedApiKey {
  prefix: string;
  environment: ApiKeyEnvironment;
}

/**
 * The prefix and environment of a candidate whose shape and checksum are right, else null.
 * `prefix`: the deployment's (TESSERA_KEY_PREFIX, `tk` by default); any valid prefix when
 * omitted, as a scanner that does not know the deployment would look.
 */
export function parseApiKey(candidate: string, prefix?: string): WellFormedApiKey | null {
  if (typeof candidate !== 'string') return null;
  const match = API_KEY_SHAPE.exec(candidate);
  if (!match) return null;
  const [, keyPrefix, environment, , checksum] = match;
  if (prefix !== undefined && keyPrefix !== prefix) return null;
  const body = candidate.slice(0, candidate.length - CHECKSUM_LENGTH);
  if (decodeBase62(checksum) !== crc32(body)) return null;
  return { prefix: keyPrefix, environment: environment as ApiKeyEnvironment };
}

/**
 * The pattern Tessera publishes for secret scanners (GET /.well-known/tessera/key-pattern): keys
 * of `prefix` (any valid prefix when omitted) between word boundaries, as a global RegExp for
 * finding them in text. It cannot check the checksum: a match is a key only if parseApiKey
 * accepts it too.
 */
export function apiKeyPattern(prefix?: string): RegExp {
  if (prefix !== undefined && !PREFIX_SHAPE.test(prefix)) {
    throw new Error(`Invalid API key prefix: ${prefix} (1-16 lowercase letters or digits)`);
  }
  const keyPrefix = prefix ?? '[a-z0-9]{1,16}';
  const environments = API_KEY_ENVIRONMENTS.join('|');
  return new RegExp(`\\b${keyPrefix}_(?:${environments})_[0-9A-Za-z]{${TAIL_LENGTH}}\\b`, 'g');
}

/** Whether `candidate` could be a key Tessera issued (no request is made). */
export function isWellFormedApiKey(candidate: string, prefix?: string): boolean {
  return parseApiKey(candidate, prefix) !== null;
}

function decodeBase62(digits: string): number {
  let value = 0;
  for (const digit of digits) value = value * BASE62.length + BASE62.indexOf(digit);
  return value;
}

import { createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API key wire format: `<prefix>_<environment>_<random><checksum>`, like GitHub's tokens.
 * The CRC32 checksum lets a secret scanner (or this service, before any hash or cache lookup)
 * tell a real key from a typo or a guess offline. It is not a secret and adds no security.
 */

import { KEY_ENVIRONMENTS, type KeyEnvironment } from '../../common/auth/environments';

export { KEY_ENVIRONMENTS, type KeyEnvironment } from '../../common/auth/environments';

/** 32 base62 characters carry 32 * log2(62) ≈ 190 bits, above the contract's 160. */
export const API_KEY_RANDOM_LENGTH = 32;
/** 62^6 > 2^32, so six characters hold any CRC32 value. */
export const API_KEY_CHECKSUM_LENGTH = 6;
/** Random characters kept in `start` for display. */
const START_RANDOM_LENGTH = 4;

// Lowercase only and no `_`, so the prefix can never swallow the environment separator.
export const API_KEY_PREFIX_PATTERN = /^[a-z0-9]{1,16}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const UNDERSCORE = 0x5f;
// 248 = 4 * 62: bytes at or above it are dropped, so `byte % 62` is uniform
// (keeping them would make the first 8 characters 25% more likely).
const UNBIASED_BYTE_LIMIT = 248;

/** Character code -> base62 digit value, -1 for anything else: no regex on the hot path. */
const BASE62_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62.length; i++) BASE62_VALUE[BASE62.charCodeAt(i)] = i;

// zlib.crc32 arrived in Node 20.15; fail at boot rather than on the first request.
if (typeof crc32 !== 'function') {
  throw new Error('API keys need zlib.crc32 (Node.js >= 20.15)');
}

export interface GeneratedApiKey {
  /** The full secret: returned once, never stored. */
  key: string;
  /** Display prefix, e.g. `tk_live_AbC1`. */
  start: string;
}

export interface ParsedApiKey {
  environment: KeyEnvironment;
}

export function isValidApiKeyPrefix(prefix: string): boolean {
  return API_KEY_PREFIX_PATTERN.test(prefix);
}

export function generateApiKey(prefix: string, environment: KeyEnvironment): GeneratedApiKey {
  if (!isValidApiKeyPrefix(prefix)) throw new Error(`Invalid API key prefix: ${prefix}`);
  // The type is not enough: the value may come straight from a request body.
  if (!KEY_ENVIRONMENTS.includes(environment)) {
    throw new Error(`Invalid API key environment: ${String(environment)}`);
  }
  const random = randomBase62(API_KEY_RANDOM_LENGTH);
  return {
    key: apiKeyWithRandom(prefix, environment, random),
    start: `${prefix}_${environment}_${random.slice(0, START_RANDOM_LENGTH)}`,
  };
}

/**
 * The key with these API_KEY_RANDOM_LENGTH base62 characters and its checksum. The checksum is
 * public: anyone can mint well-formed keys this way (the bench's made-up keys do).
 */
export function apiKeyWithRandom(
  prefix: string,
  environment: KeyEnvironment,
  random: string,
): string {
  const body = `${prefix}_${environment}_${random}`;
  return body + encodeChecksum(crc32(body));
}

/** Whether a credential is meant to be one of our API keys rather than a JWT: prefix only. */
export function looksLikeApiKey(candidate: string, prefix: string): boolean {
  // Query parameters can arrive as arrays at runtime whatever the types say.
  return (
    typeof candidate === 'string' &&
    candidate.startsWith(prefix) &&
    candidate.charCodeAt(prefix.length) === UNDERSCORE
  );
}

/**
 * Checks shape and checksum only, with no look-up: it turns typos and made-up keys away before
 * the database is asked (on a cache miss), walking the string once without regexes.
 * Returns null for anything that cannot be a key we issued.
 */
export function parseApiKey(candidate: string, prefix: string): ParsedApiKey | null {
  if (!looksLikeApiKey(candidate, prefix)) return null;
  const environmentStart = prefix.length + 1;
  const environment = environmentAt(candidate, environmentStart);
  if (environment === null) return null;

  const randomStart = environmentStart + environment.length + 1;
  const checksumStart = randomStart + API_KEY_RANDOM_LENGTH;
  if (candidate.length !== checksumStart + API_KEY_CHECKSUM_LENGTH) return null;
  for (let i = randomStart; i < checksumStart; i++) {
    if (base62Digit(candidate.charCodeAt(i)) < 0) return null;
  }
  const checksum = decodeChecksum(candidate, checksumStart);
  if (checksum < 0 || checksum !== crc32(candidate.slice(0, checksumStart))) return null;
  return { environment };
}

/**
 * What is stored and looked up: a keyed hash, so a leaked table cannot be checked against
 * guesses without the server's pepper. Keys carry 190 random bits, so no slow KDF is needed.
 */
export function hashApiKey(key: string, pepper: string): string {
  if (!pepper) throw new Error('API key pepper must not be empty');
  return createHmac('sha256', pepper).update(key).digest('hex');
}

function environmentAt(candidate: string, start: number): KeyEnvironment | null {
  for (const environment of KEY_ENVIRONMENTS) {
    if (
      candidate.startsWith(environment, start) &&
      candidate.charCodeAt(start + environment.length) === UNDERSCORE
    ) {
      return environment;
    }
  }
  return null;
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // A few spare bytes cover the ~3% rejected, so one draw is almost always enough.
    for (const byte of randomBytes(length + 8)) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      out += BASE62[byte % BASE62.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Fixed width, most significant digit first, left-padded with `0`. */
function encodeChecksum(value: number): string {
  let out = '';
  for (let i = 0; i < API_KEY_CHECKSUM_LENGTH; i++) {
    out = BASE62[value % BASE62.length] + out;
    value = Math.floor(value / BASE62.length);
  }
  return out;
}

/** The numeric value of the six checksum characters, or -1 when one is not base62. */
function decodeChecksum(candidate: string, start: number): number {
  let value = 0;
  for (let i = start; i < start + API_KEY_CHECKSUM_LENGTH; i++) {
    const digit = base62Digit(candidate.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * BASE62.length + digit; // at most 62^6 - 1, well inside 2^53
  }
  return value;
}

function base62Digit(code: number): number {
  return code < BASE62_VALUE.length ? BASE62_VALUE[code] : -1;
}

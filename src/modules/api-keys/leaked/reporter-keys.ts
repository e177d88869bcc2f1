import { createPublicKey, KeyObject, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The public keys a leaked-key report may be signed with, by key identifier. */
export type ReporterKeys = ReadonlyMap<string, KeyObject>;

const MAX_KEY_ID_LENGTH = 200;

/**
 * Reads LEAKED_KEY_REPORTER_KEYS: JSON, or the path of a file holding it, in either form:
 * - `{"<key id>": "<PEM public key>", ...}`;
 * - GitHub's document as https://api.github.com/meta/public_keys/secret_scanning serves it,
 *   `{"public_keys": [{"key_identifier": "...", "key": "<PEM>", "is_current": true}, ...]}`,
 *   saved by the operator (nothing is fetched at run time).
 * Every key must be an ECDSA P-256 public key: what GitHub signs with (ECDSA-NIST-P256V1-SHA256).
 * Unset or empty: no reporter, and every report is refused. Throws, saying what is wrong, on
 * anything else; the environment's validation (reporterKeysProblem) stops the service at start.
 */
export function parseReporterKeys(
  value: string | undefined,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ReporterKeys {
  const text = value?.trim() ?? '';
  if (text === '') return new Map();
  const json = /^[{[]/.test(text) ? text : readKeyFile(text, readFile);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw invalid('not valid JSON');
  }
  const keys = new Map<string, KeyObject>();
  for (const [id, pem] of entriesOf(parsed)) {
    if (id.length === 0 || id.length > MAX_KEY_ID_LENGTH) {
      throw invalid(`a key identifier must have 1 to ${MAX_KEY_ID_LENGTH} characters`);
    }
    if (keys.has(id)) throw invalid(`key identifier "${id}" is listed twice`);
    keys.set(id, p256PublicKey(id, pem));
  }
  return keys;
}

/**
 * Whether `signature` (base64 of a DER-encoded ECDSA signature, as GitHub sends it) signs these
 * exact bytes with SHA-256 under `key`. A malformed signature is simply not a valid one.
 */
export function signs(key: KeyObject, body: Buffer, signature: string): boolean {
  const der = Buffer.from(signature, 'base64');
  if (der.length === 0) return false;
  try {
    return verify('sha256', body, { key, dsaEncoding: 'der' }, der);
  } catch {
    return false;
  }
}

function readKeyFile(path: string, readFile: (path: string) => string): string {
  try {
    return readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw invalid(`neither JSON nor a readable file (${code}: ${path})`);
  }
}

function entriesOf(parsed: unknown): [string, unknown][] {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid('expected a JSON object');
  }
  const record = parsed as Record<string, unknown>;
  if (!('public_keys' in record)) return Object.entries(record);
  if (!Array.isArray(record.public_keys)) throw invalid('"public_keys" must be a list');
  return record.public_keys.map((entry: unknown) => {
    const { key_identifier: id, key } = (entry ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string') throw invalid('every public_keys entry needs a key_identifier');
    return [id, key];
  });
}

function p256PublicKey(id: string, pem: unknown): KeyObject {
  if (typeof pem !== 'string') throw invalid(`key "${id}" must be a PEM string`);
  // createPublicKey would take a private key too (and derive its public half): a private key in
  // the configuration is a mistake to stop at, not to work around.
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw invalid(`key "${id}" must be a PEM public key (-----BEGIN PUBLIC KEY-----)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw invalid(`key "${id}" is not a PEM public key`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw invalid(`key "${id}" is not an ECDSA P-256 (prime256v1) public key`);
  }
  return key;
}

/** What is wrong with a LEAKED_KEY_REPORTER_KEYS value, or null when it is usable. */
export function reporterKeysProblem(value: string | undefined): string | null {
  try {
    parseReporterKeys(value);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

function invalid(reason: string): Error {
  return new Error(reason);
}

// Well-formed API keys that no tenant holds, as a guessing client mints them: the checksum is
// public, so each passes the offline check and is a fresh cache miss on the server.
import { randomBytes } from 'node:crypto';
import {
  API_KEY_RANDOM_LENGTH,
  apiKeyWithRandom,
  parseApiKey,
} from '../src/modules/api-keys/api-key-format';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 62^8 keys per run before one repeats: far more than a run sends. */
const COUNTER_LENGTH = 8;
/** The bench's server runs with the default TESSERA_KEY_PREFIX. */
const PREFIX = 'tk';

/**
 * A new key on every call: a random stem per run and a counter, so no two calls (and no two runs)
 * give the same key, at a fraction of a microsecond's cost to the load generator.
 */
export function madeUpKeys(): () => string {
  const stem = Array.from(
    randomBytes(API_KEY_RANDOM_LENGTH - COUNTER_LENGTH),
    (byte) => BASE62[byte % BASE62.length],
  ).join('');
  let counter = 0;
  const next = () => {
    let digits = '';
    for (let value = counter++, i = 0; i < COUNTER_LENGTH; i++) {
      digits = BASE62[value % BASE62.length] + digits;
      value = Math.floor(value / BASE62.length);
    }
    return apiKeyWithRandom(PREFIX, 'live', stem + digits);
  };
  // The row means nothing if the server could turn these away by their checksum alone.
  if (!parseApiKey(next(), PREFIX)) throw new Error('made-up keys fail the checksum');
  return next;
}

/** One well-formed key that no tenant holds, always the same. */
export function oneUnknownKey(): string {
  return madeUpKeys()();
}

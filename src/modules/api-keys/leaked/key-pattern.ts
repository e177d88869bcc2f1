import {
  API_KEY_CHECKSUM_LENGTH,
  API_KEY_RANDOM_LENGTH,
  isValidApiKeyPrefix,
  KEY_ENVIRONMENTS,
} from '../api-key-format';

/** The name secret scanners (GitHub's partner program) know Tessera's keys by. */
export const API_KEY_SECRET_TYPE = 'tessera_api_key';

/** What GET /.well-known/tessera/key-pattern publishes. */
export interface KeyPatternDocument {
  type: string;
  pattern: string;
  description: string;
  prefix: string;
  environments: readonly string[];
  checksum: { algorithm: 'crc32'; length: number; description: string };
  report_url: string;
}

/**
 * The regular expression of a deployment's keys, as published for secret scanners: the prefix,
 * an environment, then 38 base62 characters (32 random, 6 of checksum), between word boundaries,
 * so a key is found in text but not inside a longer word. The prefix is lowercase letters and
 * digits only (API_KEY_PREFIX_PATTERN): nothing in it needs escaping.
 *
 * What it cannot do is check the checksum: a base62 character changed into another among the
 * last 38 still matches. A match is a key only if parseApiKey also accepts it.
 */
export function apiKeyPatternSource(prefix: string): string {
  if (!isValidApiKeyPrefix(prefix)) throw new Error(`Invalid API key prefix: ${prefix}`);
  const tail = API_KEY_RANDOM_LENGTH + API_KEY_CHECKSUM_LENGTH;
  return `\\b${prefix}_(?:${KEY_ENVIRONMENTS.join('|')})_[0-9A-Za-z]{${tail}}\\b`;
}

export function keyPatternDocument(prefix: string, issuer: string): KeyPatternDocument {
  return {
    type: API_KEY_SECRET_TYPE,
    pattern: apiKeyPatternSource(prefix),
    description:
      `An API key of this Tessera: "${prefix}_", an environment (${KEY_ENVIRONMENTS.join(', ')}), ` +
      `"_", ${API_KEY_RANDOM_LENGTH} random base62 characters and a ${API_KEY_CHECKSUM_LENGTH}-character ` +
      'checksum. A regular expression cannot verify the checksum: a match is a key only when ' +
      'its checksum holds (see "checksum"), which tells a real key from a typo offline.',
    prefix,
    environments: KEY_ENVIRONMENTS,
    checksum: {
      algorithm: 'crc32',
      length: API_KEY_CHECKSUM_LENGTH,
      description:
        `The last ${API_KEY_CHECKSUM_LENGTH} characters are the CRC-32 (ISO-HDLC, as zlib's crc32 ` +
        'computes it) of every character before them, written as a base62 number with the ' +
        'digits 0-9A-Za-z in that order, most significant first, left-padded with "0".',
    },
    report_url: `${issuer.replace(/\/+$/, '')}/v1/api-keys/leaked`,
  };
}

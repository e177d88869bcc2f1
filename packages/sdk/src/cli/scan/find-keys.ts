import { ApiKeyEnvironment, apiKeyPattern, parseApiKey } from '../../api-key-format';

/** Random characters of a key shown beside its prefix and environment, as the API's `start`. */
const START_RANDOM_LENGTH = 4;

/** A key found in a text: where it is, and no more of it than Tessera itself shows. */
export interface FoundKey {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  environment: ApiKeyEnvironment;
  /** `<prefix>_<environment>_` and 4 random characters: the key's `start` in the API. */
  start: string;
  /** `start` and an ellipsis, what is printed: never the whole key. */
  masked: string;
}

/**
 * The keys in `text`: matches of Tessera's published pattern whose checksum holds, so a mistyped
 * or made-up key is not reported. `prefix`: only keys of this prefix (a deployment's
 * TESSERA_KEY_PREFIX); any valid prefix when omitted.
 */
export function findKeysInText(text: string, prefix?: string): FoundKey[] {
  const pattern = apiKeyPattern(prefix);
  const found: FoundKey[] = [];
  text.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(pattern)) {
      const key = match[0];
      const parsed = parseApiKey(key, prefix);
      if (!parsed) continue;
      const start = key.slice(
        0,
        key.indexOf(`_${parsed.environment}_`) +
          parsed.environment.length +
          2 +
          START_RANDOM_LENGTH,
      );
      found.push({
        line: index + 1,
        column: match.index + 1,
        environment: parsed.environment,
        start,
        masked: `${start}…`,
      });
    }
  });
  return found;
}

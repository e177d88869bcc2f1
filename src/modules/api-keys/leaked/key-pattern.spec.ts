import * as fc from 'fast-check';
import { apiKeyWithRandom, generateApiKey, KEY_ENVIRONMENTS, parseApiKey } from '../api-key-format';
import { apiKeyPatternSource, keyPatternDocument } from './key-pattern';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** What a typo brings: any base62 character, the separator, and what copies pick up. */
const TYPO_CHARACTERS = [...BASE62, '_', '-', '.', ' ', '/', '+', '=', '"'];
const WORD_CHARACTERS = [...BASE62, '_'];
/** Characters of a key after its `<prefix>_<environment>_`: 32 random, 6 of checksum. */
const TAIL_LENGTH = 38;

const prefix = fc.stringMatching(/^[a-z0-9]{1,16}$/);
const environment = fc.constantFrom(...KEY_ENVIRONMENTS);
const random = fc.string({ unit: fc.constantFrom(...BASE62), minLength: 32, maxLength: 32 });
const anyKey = fc
  .tuple(prefix, environment, random)
  .map(([p, env, r]) => ({ prefix: p, key: apiKeyWithRandom(p, env, r) }));

/** The published pattern, compiled once per prefix: whole (one candidate) and global (text). */
const compiled = new Map<string, { whole: RegExp; global: RegExp }>();
function patternOf(keyPrefix: string): { whole: RegExp; global: RegExp } {
  let pattern = compiled.get(keyPrefix);
  if (!pattern) {
    const source = apiKeyPatternSource(keyPrefix);
    pattern = { whole: new RegExp(`^(?:${source})$`), global: new RegExp(source, 'g') };
    compiled.set(keyPrefix, pattern);
  }
  return pattern;
}
/** The published pattern applied to one whole candidate, as a scanner's match would be. */
const matchesWhole = (keyPrefix: string, candidate: string) =>
  patternOf(keyPrefix).whole.test(candidate);
/** Every match of the published pattern in a text. */
const foundIn = (keyPrefix: string, text: string) => text.match(patternOf(keyPrefix).global) ?? [];
/** A match that is a key: the pattern and the checksum. */
const isKey = (keyPrefix: string, candidate: string) =>
  matchesWhole(keyPrefix, candidate) && parseApiKey(candidate, keyPrefix) !== null;

interface Edit {
  kind: 'substituted' | 'dropped' | 'added';
  at: number;
  character: string;
  candidate: string;
}

/** Every way of changing, dropping or adding one character (from `characters`) of `key`. */
function singleCharacterEdits(key: string, characters: readonly string[]): Edit[] {
  const edits: Edit[] = [];
  for (let at = 0; at <= key.length; at++) {
    if (at < key.length) {
      edits.push({ kind: 'dropped', at, character: key[at], candidate: cut(key, at, 1, '') });
      for (const character of characters) {
        if (character !== key[at]) {
          edits.push({ kind: 'substituted', at, character, candidate: cut(key, at, 1, character) });
        }
      }
    }
    for (const character of characters) {
      edits.push({ kind: 'added', at, character, candidate: cut(key, at, 0, character) });
    }
  }
  // Dropping either of two equal neighbours (or adding one) makes the same text twice: once is
  // enough, and a text equal to the key (none is) would be no edit.
  return edits.filter((edit) => edit.candidate !== key);
}

const cut = (text: string, at: number, length: number, put: string) =>
  text.slice(0, at) + put + text.slice(at + length);

describe('the published key pattern', () => {
  it('matches every key the server generates, in every environment, alone or in text', () => {
    fc.assert(
      fc.property(prefix, environment, (p, env) => {
        const { key } = generateApiKey(p, env);
        expect(matchesWhole(p, key)).toBe(true);
        expect(parseApiKey(key, p)).toEqual({ environment: env });
        for (const text of [key, `API_KEY=${key}\n`, `"${key}",`, `Bearer ${key}`]) {
          expect(foundIn(p, text)).toEqual([key]);
        }
      }),
    );
    for (const env of KEY_ENVIRONMENTS) {
      expect(matchesWhole('tk', generateApiKey('tk', env).key)).toBe(true);
    }
  });

  it('with the checksum, refuses every single character changed, dropped or added', () => {
    fc.assert(
      fc.property(anyKey, ({ prefix: p, key }) => {
        for (const edit of singleCharacterEdits(key, TYPO_CHARACTERS)) {
          if (isKey(p, edit.candidate)) throw new Error(`accepted ${JSON.stringify(edit)}`);
        }
      }),
    );
  });

  it('alone refuses all but a base62 character changed into another in the last 38', () => {
    // Exactly what the regex can and cannot tell: every dropped or added character (the length
    // is fixed), every change to the prefix, environment or separators, every character that is
    // no base62 digit. A base62 digit changed into another among the random and checksum
    // characters still matches: only the checksum refuses those, and it refuses them all.
    fc.assert(
      fc.property(anyKey, ({ prefix: p, key }) => {
        const tailStart = key.length - TAIL_LENGTH;
        const wrong = singleCharacterEdits(key, TYPO_CHARACTERS).filter((edit) => {
          const onlyChecksumCanTell =
            edit.kind === 'substituted' && edit.at >= tailStart && BASE62.includes(edit.character);
          if (matchesWhole(p, edit.candidate) !== onlyChecksumCanTell) return true;
          return onlyChecksumCanTell && parseApiKey(edit.candidate, p) !== null;
        });
        expect(wrong).toEqual([]);
      }),
    );
  });

  it('finds no mistyped key in text, and a key with punctuation added at an end whole', () => {
    fc.assert(
      fc.property(anyKey, ({ prefix: p, key }) => {
        const found = singleCharacterEdits(key, WORD_CHARACTERS).flatMap((edit) =>
          foundIn(p, `token: ${edit.candidate}\n`).filter((match) => parseApiKey(match, p)),
        );
        expect(found).toEqual([]);
        // Not a typo of the key: the key itself, delimited (`-tk_live_…`, `tk_live_….`).
        expect(foundIn(p, `-${key}`)).toEqual([key]);
        expect(foundIn(p, `${key}.`)).toEqual([key]);
      }),
    );
  });

  it('does not find a key inside a longer word', () => {
    const key = apiKeyWithRandom('tk', 'live', 'A'.repeat(32));
    expect(foundIn('tk', `x${key}`)).toEqual([]);
    expect(foundIn('tk', `${key}x`)).toEqual([]);
    expect(foundIn('tk', `${key}${key}`)).toEqual([]);
    expect(foundIn('ab', key)).toEqual([]);
  });

  it('is published with the type, the deployment’s prefix and the checksum algorithm', () => {
    expect(keyPatternDocument('acme', 'https://auth.example/')).toEqual({
      type: 'tessera_api_key',
      pattern: '\\bacme_(?:live|test|dev)_[0-9A-Za-z]{38}\\b',
      description: expect.stringContaining('cannot verify the checksum'),
      prefix: 'acme',
      environments: ['live', 'test', 'dev'],
      checksum: { algorithm: 'crc32', length: 6, description: expect.stringContaining('CRC-32') },
      report_url: 'https://auth.example/v1/api-keys/leaked',
    });
    expect(() => apiKeyPatternSource('a.b')).toThrow(/Invalid API key prefix/);
  });
});

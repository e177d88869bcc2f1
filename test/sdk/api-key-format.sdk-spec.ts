import * as fc from 'fast-check';
import { apiKeyPattern, isWellFormedApiKey, parseApiKey } from '@tessera/sdk';
import { apiKeyPatternSource } from '../../src/modules/api-keys/leaked/key-pattern';
import {
  apiKeyWithRandom,
  generateApiKey,
  KEY_ENVIRONMENTS,
  parseApiKey as serverParseApiKey,
} from '../../src/modules/api-keys/api-key-format';

/**
 * The SDK's offline check copies the server's algorithm (the package cannot import the
 * server): both must say the same of every candidate.
 */
describe('isWellFormedApiKey agrees with the server', () => {
  const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const prefix = fc.stringMatching(/^[a-z0-9]{1,16}$/);
  const environment = fc.constantFrom(...KEY_ENVIRONMENTS);
  const random = fc.string({ unit: fc.constantFrom(...BASE62), minLength: 32, maxLength: 32 });

  it('accepts every key the server generates, with its prefix and environment', () => {
    fc.assert(
      fc.property(prefix, environment, (p, env) => {
        const { key } = generateApiKey(p, env);
        expect(isWellFormedApiKey(key)).toBe(true);
        expect(isWellFormedApiKey(key, p)).toBe(true);
        expect(parseApiKey(key)).toEqual({ prefix: p, environment: env });
      }),
    );
  });

  it('refuses what the server refuses when one character is changed', () => {
    fc.assert(
      fc.property(
        prefix,
        environment,
        random,
        fc.nat(),
        fc.constantFrom(...BASE62, '_', '-', ' '),
        (p, env, r, at, replacement) => {
          const key = apiKeyWithRandom(p, env, r);
          const i = at % key.length;
          const typo = key.slice(0, i) + replacement + key.slice(i + 1);
          expect(isWellFormedApiKey(typo, p)).toBe(serverParseApiKey(typo, p) !== null);
        },
      ),
    );
  });

  it('refuses a key of another prefix when told the deployment’s', () => {
    const { key } = generateApiKey('acme', 'live');
    expect(isWellFormedApiKey(key, 'tk')).toBe(false);
    expect(serverParseApiKey(key, 'tk')).toBeNull();
    expect(isWellFormedApiKey(`${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`)).toBe(false);
  });
});

/**
 * The SDK's copy of the published pattern (`tessera auth scan` looks for it), and what it finds
 * with its checksum when it does not know the deployment's prefix.
 */
describe('apiKeyPattern agrees with the published one', () => {
  const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const prefix = fc.stringMatching(/^[a-z0-9]{1,16}$/);
  const environment = fc.constantFrom(...KEY_ENVIRONMENTS);
  const random = fc.string({ unit: fc.constantFrom(...BASE62), minLength: 32, maxLength: 32 });
  const keysIn = (text: string, keyPrefix?: string) =>
    (text.match(apiKeyPattern(keyPrefix)) ?? []).filter((m) => isWellFormedApiKey(m, keyPrefix));

  it('is the server’s pattern for a prefix', () => {
    fc.assert(
      fc.property(prefix, (p) => expect(apiKeyPattern(p).source).toBe(apiKeyPatternSource(p))),
    );
    expect(() => apiKeyPattern('Tk')).toThrow(/Invalid API key prefix/);
  });

  it('finds every key of any prefix, and no key one character away from it', () => {
    // Without the deployment's prefix, a character changed, dropped or added in the prefix
    // gives another valid prefix: only the checksum (over the prefix too) refuses those.
    fc.assert(
      fc.property(prefix, environment, random, (p, env, r) => {
        const key = apiKeyWithRandom(p, env, r);
        expect(keysIn(`key=${key};`)).toEqual([key]);
        const found: string[] = [];
        for (let at = 0; at <= key.length; at++) {
          for (const c of [...BASE62, '_']) {
            if (at < key.length && c !== key[at]) {
              found.push(...keysIn(` ${key.slice(0, at)}${c}${key.slice(at + 1)} `));
            }
            found.push(...keysIn(` ${key.slice(0, at)}${c}${key.slice(at)} `));
          }
          if (at < key.length) found.push(...keysIn(` ${key.slice(0, at)}${key.slice(at + 1)} `));
        }
        expect(found).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });
});

import fc from 'fast-check';
import {
  API_KEY_CHECKSUM_LENGTH,
  API_KEY_RANDOM_LENGTH,
  KEY_ENVIRONMENTS,
  KeyEnvironment,
  generateApiKey,
  hashApiKey,
  isValidApiKeyPrefix,
  looksLikeApiKey,
  parseApiKey,
} from './api-key-format';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_PART = new RegExp(`^[0-9A-Za-z]{${API_KEY_RANDOM_LENGTH}}$`);

/** The random characters of a key made with prefix `tk`. */
function randomPartOf(key: string, environment: KeyEnvironment): string {
  return key.slice(`tk_${environment}_`.length, -API_KEY_CHECKSUM_LENGTH);
}

function replaceAt(text: string, index: number, replacement: string): string {
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('generateApiKey / parseApiKey', () => {
  it.each(KEY_ENVIRONMENTS)('round trips a %s key', (environment) => {
    const { key, start } = generateApiKey('tk', environment);

    expect(key).toMatch(new RegExp(`^tk_${environment}_[0-9A-Za-z]{38}$`));
    expect(start).toBe(key.slice(0, `tk_${environment}_`.length + 4));
    expect(parseApiKey(key, 'tk')).toEqual({ environment });
  });

  it('accepts a configured prefix with digits', () => {
    const { key, start } = generateApiKey('acme2', 'test');

    expect(start).toMatch(/^acme2_test_[0-9A-Za-z]{4}$/);
    expect(parseApiKey(key, 'acme2')).toEqual({ environment: 'test' });
  });

  // Computed independently (Python's binascii.crc32): a change to the alphabet, its order or the
  // checksum encoding would invalidate every key already issued.
  it('keeps the published checksum encoding', () => {
    expect(parseApiKey('tk_test_0123456789ABCDEFGHIJKLMNOPQRSTUV18zZ97', 'tk')).toEqual({
      environment: 'test',
    });
    expect(parseApiKey('tk_test_0123456789ABCDEFGHIJKLMNOPQRSTUV18zZ98', 'tk')).toBeNull();
  });

  it('carries at least 160 bits of randomness', () => {
    const { key } = generateApiKey('tk', 'live');
    const random = randomPartOf(key, 'live');

    expect(random).toMatch(RANDOM_PART);
    expect(random.length * Math.log2(62)).toBeGreaterThanOrEqual(160);
  });

  it('draws random characters uniformly', () => {
    const counts = new Map<string, number>();
    const keys = 2000;
    for (let i = 0; i < keys; i++) {
      for (const char of randomPartOf(generateApiKey('tk', 'live').key, 'live')) {
        counts.set(char, (counts.get(char) ?? 0) + 1);
      }
    }
    const expected = (keys * API_KEY_RANDOM_LENGTH) / BASE62.length;
    let chiSquare = 0;
    for (const char of BASE62) chiSquare += ((counts.get(char) ?? 0) - expected) ** 2 / expected;

    // 61 degrees of freedom: P(chi² > 130) ≈ 1e-6 for a uniform source, while `byte % 62`
    // without rejection scores around 400 here.
    expect(chiSquare).toBeLessThan(130);
  });

  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey('tk', 'dev').key));
    expect(keys.size).toBe(1000);
  });

  it.each(['', 'TK', 'tk_x', 't-k', 'a'.repeat(17), 'tk '])('refuses the prefix %j', (prefix) => {
    expect(() => generateApiKey(prefix, 'live')).toThrow('Invalid API key prefix');
  });

  it('refuses an environment outside the list', () => {
    expect(() => generateApiKey('tk', 'prod' as KeyEnvironment)).toThrow('environment');
  });
});

describe('parseApiKey rejects', () => {
  // Any base62 character, the separator, and arbitrary code points (including astral ones).
  const replacement = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...BASE62) },
    { weight: 1, arbitrary: fc.constantFrom('_', '-', ' ', '.', '=', '\0') },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) },
  );

  it.each(KEY_ENVIRONMENTS)('every single-character change of a %s key', (environment) => {
    const { key } = generateApiKey('tk', environment);
    for (let position = 0; position < key.length; position++) {
      fc.assert(
        fc.property(
          // The position rides along so a counterexample names it.
          fc.tuple(
            fc.constant(position),
            replacement.filter((char) => char !== key[position]),
          ),
          ([at, char]) => parseApiKey(replaceAt(key, at, char), 'tk') === null,
        ),
        { numRuns: 40 },
      );
    }
  });

  // Cheap enough to be exhaustive: these substitutions keep the key's shape valid, so only the
  // checksum can catch them.
  it.each(KEY_ENVIRONMENTS)(
    'every base62 substitution in the random part and checksum of a %s key',
    (environment) => {
      const { key } = generateApiKey('tk', environment);
      const accepted: string[] = [];
      for (let position = `tk_${environment}_`.length; position < key.length; position++) {
        for (const char of BASE62) {
          const mutated = replaceAt(key, position, char);
          if (mutated !== key && parseApiKey(mutated, 'tk') !== null) accepted.push(mutated);
        }
      }
      expect(accepted).toEqual([]);
    },
  );

  it('a key under another prefix', () => {
    const { key } = generateApiKey('tk', 'live');

    expect(parseApiKey(key, 'ab')).toBeNull();
    expect(parseApiKey(key, 't')).toBeNull();
    expect(parseApiKey(key, 'tkx')).toBeNull();
    expect(parseApiKey(generateApiKey('tkx', 'live').key, 'tk')).toBeNull();
  });

  it('truncated and extended keys', () => {
    const { key } = generateApiKey('tk', 'test');

    for (let length = 0; length < key.length; length++) {
      expect(parseApiKey(key.slice(0, length), 'tk')).toBeNull();
    }
    for (const extra of ['0', 'a', 'Z', '_', ' ', '\n']) {
      expect(parseApiKey(key + extra, 'tk')).toBeNull();
      expect(parseApiKey(extra + key, 'tk')).toBeNull();
    }
    // A dropped character followed by an inserted one keeps the length but moves the checksum.
    const shifted = key.slice(0, 10) + key.slice(11) + '0';
    expect(parseApiKey(shifted, 'tk')).toBeNull();
  });

  it('anything arbitrary, without throwing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        expect(parseApiKey(text, 'tk')).toBeNull();
        expect(parseApiKey(`tk_live_${text}`, 'tk')).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('values that are not strings at runtime', () => {
    const { key } = generateApiKey('tk', 'live');
    for (const value of [undefined, null, 42, [key], { key }]) {
      expect(parseApiKey(value as unknown as string, 'tk')).toBeNull();
    }
  });
});

describe('looksLikeApiKey', () => {
  it('routes on the prefix and separator alone', () => {
    expect(looksLikeApiKey('tk_anything', 'tk')).toBe(true);
    expect(looksLikeApiKey('tk_', 'tk')).toBe(true);
    expect(looksLikeApiKey('tk', 'tk')).toBe(false);
    expect(looksLikeApiKey('tkx_live_abc', 'tk')).toBe(false);
    expect(looksLikeApiKey('eyJhbGciOiJSUzI1NiJ9.e30.sig', 'tk')).toBe(false);
    expect(looksLikeApiKey('TK_live_abc', 'tk')).toBe(false);
  });
});

describe('isValidApiKeyPrefix', () => {
  it('allows lowercase letters and digits only', () => {
    expect(isValidApiKeyPrefix('tk')).toBe(true);
    expect(isValidApiKeyPrefix('acme2')).toBe(true);
    expect(isValidApiKeyPrefix('tk_live')).toBe(false);
    expect(isValidApiKeyPrefix('Tk')).toBe(false);
  });
});

describe('hashApiKey', () => {
  it('is HMAC-SHA256 of the key under the pepper, in hex', () => {
    // Well-known HMAC-SHA256 test vector.
    expect(hashApiKey('The quick brown fox jumps over the lazy dog', 'key')).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });

  it('depends on the pepper', () => {
    const { key } = generateApiKey('tk', 'live');

    expect(hashApiKey(key, 'pepper-a')).toBe(hashApiKey(key, 'pepper-a'));
    expect(hashApiKey(key, 'pepper-a')).not.toBe(hashApiKey(key, 'pepper-b'));
  });

  it('refuses an empty pepper', () => {
    expect(() => hashApiKey('tk_live_x', '')).toThrow('pepper');
  });
});

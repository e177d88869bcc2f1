import { validateSync } from 'class-validator';
import { charCount, MaxChars } from './max-chars';

class Named {
  @MaxChars(3)
  name: unknown;
}
const errorsOf = (name: unknown) => validateSync(Object.assign(new Named(), { name }));

describe('charCount', () => {
  it('counts code points, as a utf8mb4 column does', () => {
    expect(charCount('')).toBe(0);
    expect(charCount('abc')).toBe(3);
    expect(charCount('é')).toBe(1);
    // One character outside the BMP is two UTF-16 units and one code point.
    expect(charCount('𝒜𝒜')).toBe(2);
    // A variation selector is a code point of its own (class-validator's MaxLength skips it).
    expect(charCount('a\uFE0F')).toBe(2);
    expect(charCount('👍🏽')).toBe(2);
    // Lone surrogates count one each (the validation pipe refuses them anyway).
    expect(charCount('\uD800a\uDC00')).toBe(3);
  });
});

describe('MaxChars', () => {
  it('accepts up to the limit in code points, whatever their UTF-16 length', () => {
    expect(errorsOf('abc')).toEqual([]);
    expect(errorsOf('𝒜𝒜𝒜')).toEqual([]);
  });

  it('refuses more, variation selectors included, and anything but a string', () => {
    for (const name of ['abcd', '𝒜𝒜𝒜𝒜', 'a\uFE0Fb\uFE0F', 42, null]) {
      const [error] = errorsOf(name);
      expect(error.constraints).toEqual({ maxChars: 'name must be at most 3 characters' });
    }
  });
});

import { charCount } from '../../common/validation/max-chars';
import { personalOrganizationName } from './personal-organization-name';

describe('personalOrganizationName', () => {
  it('names the organization after the user', () => {
    expect(personalOrganizationName('Ada Lovelace')).toBe("Ada Lovelace's organization");
    expect(personalOrganizationName('a'.repeat(185))).toBe(`${'a'.repeat(185)}'s organization`);
  });

  it('cuts a full name too long for the organization name column, and marks the cut', () => {
    for (const fullName of [
      'a'.repeat(186),
      'a'.repeat(200),
      '𝒜'.repeat(200),
      'a\uFE0F'.repeat(100),
    ]) {
      const name = personalOrganizationName(fullName);
      expect(charCount(name)).toBe(200);
      expect(name.endsWith("…'s organization")).toBe(true);
      expect(fullName.startsWith(name.slice(0, name.indexOf('…')))).toBe(true);
    }
  });

  it('never splits a character outside the BMP into a lone surrogate', () => {
    const name = personalOrganizationName('𝒜'.repeat(200));
    expect(name).toBe(`${'𝒜'.repeat(184)}…'s organization`);
  });
});

import {
  canonicalUuid,
  isCanonicalUuid,
  isPrefixedId,
  prefixedId,
  UuidV7Generator,
  uuidv7,
} from './ids';

describe('uuidv7', () => {
  it('is a version-7 UUID', () => {
    expect(uuidv7()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('sorts by creation time', () => {
    let now = 1_700_000_000_000;
    const ids = new UuidV7Generator(() => now);
    const earlier = ids.nextHex();
    now += 1;
    expect(earlier < ids.nextHex()).toBe(true);
  });

  it('increases strictly within one millisecond, past 4,096 ids, and when the clock steps back', () => {
    let now = 1_700_000_000_000;
    const ids = new UuidV7Generator(() => now);
    const generated = Array.from({ length: 10_000 }, (_, i) => {
      if (i === 5_000) now -= 2_000; // an NTP step back
      return ids.nextHex();
    });
    expect([...generated].sort()).toEqual(generated);
    expect(new Set(generated).size).toBe(generated.length);
  });
});

describe('id shapes', () => {
  const id = uuidv7();
  const notUuids = [
    '',
    'not-an-id',
    `${id}0`,
    id.slice(1),
    `{${id}}`,
    id.replace(/-/g, ''),
    id.replace(/-/g, '_'),
    `${id.slice(0, 35)}g`,
    ` ${id.slice(1)}`,
  ];

  it('takes a UUID as issued, and only that spelling, as canonical', () => {
    expect(isCanonicalUuid(id)).toBe(true);
    expect(isCanonicalUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
    for (const other of [id.toUpperCase(), ...notUuids]) expect(isCanonicalUuid(other)).toBe(false);
  });

  it('canonicalises a UUID in any case to lower case, and refuses what is not one', () => {
    expect(canonicalUuid(id)).toBe(id);
    expect(canonicalUuid(id.toUpperCase())).toBe(id);
    expect(canonicalUuid('0190F000-aBcD-7000-8000-00000000000A')).toBe(
      '0190f000-abcd-7000-8000-00000000000a',
    );
    for (const other of notUuids) expect(canonicalUuid(other)).toBeNull();
  });

  it('recognises prefixed ids by their prefix and 32 lower-case hex digits', () => {
    const key = prefixedId('key');
    expect(isPrefixedId('key', key)).toBe(true);
    expect(isPrefixedId('evt', key)).toBe(false);
    for (const other of [
      key.toUpperCase(),
      `key_${key.slice(4).toUpperCase()}`,
      `${key}0`,
      key.slice(0, -1),
      key.replace('_', '-'),
      `key_${'g'.repeat(32)}`,
      'key_',
    ]) {
      expect(isPrefixedId('key', other)).toBe(false);
    }
  });
});

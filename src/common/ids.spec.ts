import { UuidV7Generator, uuidv7 } from './ids';

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

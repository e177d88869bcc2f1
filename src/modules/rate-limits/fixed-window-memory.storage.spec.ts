import type { WindowLimit } from './calendar-window';
import { FixedWindowMemoryStorage } from './fixed-window-memory.storage';

const HOUR = 3_600_000;
const keyLimit = (tracker: string, limit = 10): WindowLimit => ({
  name: 'api_key',
  tracker,
  limit,
  windowMs: HOUR,
});
const organizationLimit = (tracker: string, limit: number): WindowLimit => ({
  name: 'organization',
  tracker,
  limit,
  windowMs: 60_000,
});
/** 2026-11-23 15:00:00 UTC, a calendar hour boundary. */
const ON_THE_HOUR = Date.UTC(2026, 10, 23, 15);

describe('FixedWindowMemoryStorage.countRequest', () => {
  const hitsOf = (storage: FixedWindowMemoryStorage, limit: WindowLimit, now: number) =>
    storage.countRequest([limit], now)[0].totalHits;

  it('counts requests within the calendar window and starts over on its boundary', () => {
    const storage = new FixedWindowMemoryStorage();
    expect(hitsOf(storage, keyLimit('key_a'), ON_THE_HOUR + 1_000)).toBe(1);
    const [second] = storage.countRequest([keyLimit('key_a')], ON_THE_HOUR + HOUR - 1);
    expect(second).toEqual({
      totalHits: 2,
      remaining: 8,
      resetsAt: ON_THE_HOUR + HOUR,
      blocked: false,
    });
    const [next] = storage.countRequest([keyLimit('key_a')], ON_THE_HOUR + HOUR);
    expect(next).toEqual({
      totalHits: 1,
      remaining: 9,
      resetsAt: ON_THE_HOUR + 2 * HOUR,
      blocked: false,
    });
  });

  it('keeps trackers and counter names apart', () => {
    const storage = new FixedWindowMemoryStorage();
    hitsOf(storage, keyLimit('key_a'), ON_THE_HOUR);
    hitsOf(storage, keyLimit('key_a'), ON_THE_HOUR);
    expect(hitsOf(storage, keyLimit('key_b'), ON_THE_HOUR)).toBe(1);
    expect(hitsOf(storage, organizationLimit('key_a', 5), ON_THE_HOUR)).toBe(1);
    expect(hitsOf(storage, keyLimit('key_a'), ON_THE_HOUR)).toBe(3);
  });

  it('refuses the request past the limit and counts it nowhere', () => {
    const storage = new FixedWindowMemoryStorage();
    const limits = [organizationLimit('org_a', 3), keyLimit('key_a', 100)];
    for (let i = 0; i < 3; i++) {
      expect(storage.countRequest(limits, ON_THE_HOUR).every((count) => !count.blocked)).toBe(true);
    }
    for (let i = 0; i < 5; i++) {
      const [organization, key] = storage.countRequest(limits, ON_THE_HOUR + 1_000);
      expect(organization).toEqual(expect.objectContaining({ totalHits: 3, blocked: true }));
      // Refused by the organization's limit: the key's own quota is not used up by it.
      expect(key).toEqual(expect.objectContaining({ totalHits: 3, remaining: 97, blocked: false }));
    }
    // The next minute, the key's hourly count goes on from 3.
    const [, key] = storage.countRequest(limits, ON_THE_HOUR + 60_000);
    expect(key.totalHits).toBe(4);
  });

  it('lets a request through at once when its limit is raised mid-window', () => {
    const storage = new FixedWindowMemoryStorage();
    for (let i = 0; i < 12; i++) storage.countRequest([keyLimit('key_a', 10)], ON_THE_HOUR);
    const [raised] = storage.countRequest([keyLimit('key_a', 50)], ON_THE_HOUR);
    // Ten served, two refused and not counted, then this one: 11 of 50.
    expect(raised).toEqual(
      expect.objectContaining({ totalHits: 11, remaining: 39, blocked: false }),
    );
  });

  it('refuses one counter name in two window lengths (they would share counters)', () => {
    const storage = new FixedWindowMemoryStorage();
    hitsOf(storage, keyLimit('key_a'), ON_THE_HOUR);
    expect(() =>
      storage.countRequest([{ ...keyLimit('key_a'), windowMs: 60_000 }], ON_THE_HOUR),
    ).toThrow('two window lengths');
  });

  it('starts from zero after a gap of windows; a minute counter starts over on the minute', () => {
    const storage = new FixedWindowMemoryStorage();
    for (let i = 0; i < 5; i++) hitsOf(storage, keyLimit('key_a'), ON_THE_HOUR);
    expect(hitsOf(storage, keyLimit('key_a'), ON_THE_HOUR + 5 * HOUR)).toBe(1);
    const failures = { name: 'failures', tracker: 'ip', limit: 100, windowMs: 60_000 };
    expect(hitsOf(storage, failures, ON_THE_HOUR)).toBe(1);
    expect(hitsOf(storage, failures, ON_THE_HOUR + 59_999)).toBe(2);
    expect(hitsOf(storage, failures, ON_THE_HOUR + 60_000)).toBe(1);
  });
});

import type { WindowLimit } from './calendar-window';
import { FixedWindowMemoryStorage } from './fixed-window-memory.storage';

const HOUR = 3_600_000;
const keyLimit = (tracker: string): WindowLimit => ({
  name: 'api_key',
  tracker,
  limit: 10,
  windowMs: HOUR,
});
/** 2026-11-23 15:00:00 UTC, a calendar hour boundary. */
const ON_THE_HOUR = Date.UTC(2026, 10, 23, 15);

describe('FixedWindowMemoryStorage.countInWindow', () => {
  it('counts hits within the calendar window and starts over on its boundary', () => {
    const storage = new FixedWindowMemoryStorage();
    expect(storage.countInWindow(keyLimit('key_a'), ON_THE_HOUR + 1_000).hits).toBe(1);
    const second = storage.countInWindow(keyLimit('key_a'), ON_THE_HOUR + HOUR - 1);
    expect(second).toEqual({ hits: 2, expiresAt: ON_THE_HOUR + HOUR });
    const next = storage.countInWindow(keyLimit('key_a'), ON_THE_HOUR + HOUR);
    expect(next).toEqual({ hits: 1, expiresAt: ON_THE_HOUR + 2 * HOUR });
  });

  it('keeps trackers and counter names apart', () => {
    const storage = new FixedWindowMemoryStorage();
    storage.countInWindow(keyLimit('key_a'), ON_THE_HOUR);
    storage.countInWindow(keyLimit('key_a'), ON_THE_HOUR);
    expect(storage.countInWindow(keyLimit('key_b'), ON_THE_HOUR).hits).toBe(1);
    const organization = { name: 'organization', tracker: 'key_a', limit: 5, windowMs: 60_000 };
    expect(storage.countInWindow(organization, ON_THE_HOUR).hits).toBe(1);
    expect(storage.countInWindow(keyLimit('key_a'), ON_THE_HOUR).hits).toBe(3);
  });

  it('refuses one counter name in two window lengths (they would share counters)', () => {
    const storage = new FixedWindowMemoryStorage();
    storage.countInWindow(keyLimit('key_a'), ON_THE_HOUR);
    expect(() =>
      storage.countInWindow({ ...keyLimit('key_a'), windowMs: 60_000 }, ON_THE_HOUR),
    ).toThrow('two window lengths');
  });

  it('starts from zero after a gap of windows; keyed counters live ttl from their first hit', () => {
    const storage = new FixedWindowMemoryStorage();
    for (let i = 0; i < 5; i++) storage.countInWindow(keyLimit('key_a'), ON_THE_HOUR);
    expect(storage.countInWindow(keyLimit('key_a'), ON_THE_HOUR + 5 * HOUR).hits).toBe(1);
    expect(storage.hit('failures', 60_000, ON_THE_HOUR).hits).toBe(1);
    expect(storage.hit('failures', 60_000, ON_THE_HOUR + 59_999).hits).toBe(2);
    expect(storage.hit('failures', 60_000, ON_THE_HOUR + 60_000).hits).toBe(1);
  });
});

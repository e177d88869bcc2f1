import { countOf, WindowCount, WindowLimit, windowStartOf } from './calendar-window';

/**
 * One counter name's current calendar window (windows are aligned to the calendar, so every
 * tracker's window of a name ends at the same time): each tracker's count in it.
 */
interface NameWindow {
  windowMs: number;
  /** Epoch ms; 0 before the first count. */
  endsAt: number;
  /**
   * tracker -> requests counted in this window: a small integer in the Map's own slot, where an
   * object per tracker ({ hits, expiresAt }, the end a boxed double) held ~56 bytes more a
   * tracker; with an hourly limit per API key, one tracker per key seen this hour (issue #19).
   */
  hits: Map<string, number>;
}

/** Bound on live counters; past it, the oldest are dropped (they are the first to expire). */
const MAX_WINDOWS = 500_000;
const SWEEP_EVERY_MS = 10_000;

/**
 * Fixed-window counters in this instance's memory, used without Redis and as the fallback while
 * Redis is down. Behaves like the Redis script: a counter per calendar window, exact and O(1).
 * (@nestjs/throttler's own in-memory storage keeps a timestamp per hit and filters them on every
 * request: O(hits) for a key allowed 100,000 requests an hour.)
 *
 * Hot path: `countRequest` runs for every authenticated request. It finds each counter by the
 * limit's name and tracker in two Maps instead of building the Redis key string
 * (`{tracker:windowStart:name}:hits`): the number-to-string conversion, the concatenation and
 * hashing a new string measured ~4% of the verify route's CPU (perf). The trackers (key ids,
 * organization ids) are strings the caches hand out again and again, whose hashes V8 keeps.
 */
export class FixedWindowMemoryStorage {
  /** name -> its current window (the window length is fixed at the name's first use). */
  private readonly byName = new Map<string, NameWindow>();
  private nextSweepAt = 0;

  /**
   * Counts one request against each limit in its calendar window (the minute, the hour...) that
   * contains `now`, all or nothing, as the Redis script does: when any window is already full
   * the request is refused and counted nowhere, so refused requests use up no quota, neither of
   * the limit that refused them nor of the request's other limits.
   */
  countRequest(limits: readonly WindowLimit[], now: number): WindowCount[] {
    if (now >= this.nextSweepAt) this.sweep(now);
    const windows: NameWindow[] = [];
    const counted: number[] = [];
    let refused = false;
    for (const limit of limits) {
      const window = this.windowOf(limit, now);
      const hits = window.hits.get(limit.tracker) ?? 0;
      if (hits >= limit.limit) refused = true;
      windows.push(window);
      counted.push(hits);
    }
    const counts: WindowCount[] = [];
    for (let i = 0; i < limits.length; i++) {
      let hits = counted[i];
      if (!refused) {
        hits += 1;
        windows[i].hits.set(limits[i].tracker, hits);
      }
      counts.push(countOf(hits, limits[i].limit, windows[i].endsAt, refused));
    }
    return counts;
  }

  /** The limit's name's window that contains `now`, started empty if the last one ended. */
  private windowOf(limit: WindowLimit, now: number): NameWindow {
    let window = this.byName.get(limit.name);
    if (!window) {
      window = { windowMs: limit.windowMs, endsAt: 0, hits: new Map() };
      this.byName.set(limit.name, window);
    } else if (window.windowMs !== limit.windowMs) {
      throw new Error(`Counter "${limit.name}" is counted in two window lengths`);
    }
    if (window.endsAt <= now) {
      if (window.hits.size > 0) window.hits = new Map();
      window.endsAt = windowStartOf(now, limit.windowMs) + limit.windowMs;
    }
    return window;
  }

  private sweep(now: number): void {
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    let live = 0;
    for (const window of this.byName.values()) {
      if (window.endsAt <= now && window.hits.size > 0) window.hits = new Map();
      live += window.hits.size;
    }
    // Insertion order is first-count order: each window's oldest counters go first.
    for (const window of this.byName.values()) {
      for (const tracker of window.hits.keys()) {
        if (live <= MAX_WINDOWS) return;
        window.hits.delete(tracker);
        live -= 1;
      }
    }
  }
}

import { countOf, WindowCount, WindowLimit, windowStartOf } from './calendar-window';

export interface Window {
  hits: number;
  /** Epoch ms. */
  expiresAt: number;
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
  /** name -> its window length (fixed at first use) and tracker -> the current window's counter. */
  private readonly byName = new Map<string, { windowMs: number; trackers: Map<string, Window> }>();
  private nextSweepAt = 0;

  /**
   * Counts one request against each limit in its calendar window (the minute, the hour...) that
   * contains `now`, all or nothing, as the Redis script does: when any window is already full
   * the request is refused and counted nowhere, so refused requests use up no quota, neither of
   * the limit that refused them nor of the request's other limits.
   */
  countRequest(limits: readonly WindowLimit[], now: number): WindowCount[] {
    if (now >= this.nextSweepAt) this.sweep(now);
    const windows: Window[] = [];
    let refused = false;
    for (const limit of limits) {
      const window = this.windowOf(limit, now);
      if (window.hits >= limit.limit) refused = true;
      windows.push(window);
    }
    const counts: WindowCount[] = [];
    for (let i = 0; i < limits.length; i++) {
      if (!refused) windows[i].hits += 1;
      counts.push(countOf(windows[i].hits, limits[i].limit, windows[i].expiresAt, refused));
    }
    return counts;
  }

  /** The limit's counter for the calendar window that contains `now`, started at 0 if new. */
  private windowOf(limit: WindowLimit, now: number): Window {
    let counters = this.byName.get(limit.name);
    if (!counters) {
      counters = { windowMs: limit.windowMs, trackers: new Map() };
      this.byName.set(limit.name, counters);
    } else if (counters.windowMs !== limit.windowMs) {
      throw new Error(`Counter "${limit.name}" is counted in two window lengths`);
    }
    const trackers = counters.trackers;
    let window = trackers.get(limit.tracker);
    if (!window) {
      window = { hits: 0, expiresAt: 0 };
      trackers.set(limit.tracker, window);
    }
    if (window.expiresAt <= now) {
      window.hits = 0;
      window.expiresAt = windowStartOf(now, limit.windowMs) + limit.windowMs;
    }
    return window;
  }

  private sweep(now: number): void {
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    const maps = [...this.byName.values()].map((counters) => counters.trackers);
    let live = 0;
    for (const windows of maps) {
      for (const [key, window] of windows) {
        if (window.expiresAt <= now) windows.delete(key);
      }
      live += windows.size;
    }
    // Insertion order is creation order: each map's oldest counters go first.
    for (const windows of maps) {
      for (const key of windows.keys()) {
        if (live <= MAX_WINDOWS) return;
        windows.delete(key);
        live -= 1;
      }
    }
  }
}

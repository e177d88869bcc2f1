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
 * Redis is down. One counter per key: Tessera's windows are calendar-aligned (the key names the
 * minute or hour), so a counter per key is exact and O(1), and behaves like the Redis script.
 * (@nestjs/throttler's own in-memory storage keeps a timestamp per hit and filters them on every
 * request: O(hits) for a key allowed 100,000 requests an hour.)
 */
export class FixedWindowMemoryStorage {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  /** Counts a hit on the key; its counter lives `ttlMs` from its first hit. */
  hit(key: string, ttlMs: number, now: number): Window {
    if (now >= this.nextSweepAt) this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.expiresAt <= now) {
      window = { hits: 0, expiresAt: now + ttlMs };
      this.windows.set(key, window);
    }
    window.hits += 1;
    return window;
  }

  private sweep(now: number): void {
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    for (const [key, window] of this.windows) {
      if (window.expiresAt <= now) this.windows.delete(key);
    }
    // Insertion order is creation order: the oldest windows go first.
    for (const key of this.windows.keys()) {
      if (this.windows.size <= MAX_WINDOWS) break;
      this.windows.delete(key);
    }
  }
}

/**
 * What time it is, in epoch milliseconds, for code that counts time windows (rate limits, lock
 * windows). One provider, so tests can move time instead of waiting for a calendar window to end.
 * Hot path: one call per counted request; the system clock is a plain `Date.now()` behind it.
 */
export abstract class Clock {
  abstract now(): number;

  /**
   * What lifetimes are measured by (cache entries, how long a stale one may still answer):
   * milliseconds from an arbitrary origin that never go back, even when the wall clock is set
   * back, so no entry outlives its bound. The system's is `performance.now()`.
   */
  abstract monotonic(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }
}

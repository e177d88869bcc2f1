/**
 * What time it is, in epoch milliseconds, for code that counts time windows (rate limits, lock
 * windows). One provider, so tests can move time instead of waiting for a calendar window to end.
 * Hot path: one call per counted request; the system clock is a plain `Date.now()` behind it.
 */
export abstract class Clock {
  abstract now(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

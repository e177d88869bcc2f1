/**
 * When a cache of database look-ups may answer with an entry whose lifetime ran out: only while
 * the database cannot be reached, and for `windowMs` at most after it ran out (see
 * InvalidatableCache.orStale). The app's is StaleIfError; a unit test may bring its own.
 */
export abstract class StalePolicy {
  /** How long after an entry's lifetime ran out it may still answer; 0: never. */
  abstract readonly windowMs: number;
  /** What entries' lifetimes are measured by: monotonic milliseconds (Clock.monotonic). */
  abstract readonly lifetimeClock: { now(): number };
  /** Whether the database is known not to answer now: a look-up would only wait and fail. */
  abstract databaseKnownDown(): boolean;
  /** Whether a look-up failed because the database cannot be reached (not for what it asked). */
  abstract unreachable(error: unknown): boolean;
}

/** Never stale: entries answer for their lifetime, then the database is asked, whatever it says. */
export const NEVER_STALE: StalePolicy = {
  windowMs: 0,
  lifetimeClock: performance,
  databaseKnownDown: () => false,
  unreachable: () => false,
};

import { Clock } from '../../src/common/time/clock';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * A clock that stands still until a test moves it: rate-limit windows open and close, and cached
 * entries run out, when the test says, instead of the test waiting for the calendar.
 */
export class TestClock extends Clock {
  constructor(private current: number) {
    super();
  }

  /**
   * One second into the hour after the real one: every minute and hour window starts fresh with
   * 59 s and 3599 s left, and its counters (in Redis too) are apart from those of real time.
   */
  static atStartOfNextHour(): TestClock {
    const now = Date.now();
    return new TestClock(now - (now % HOUR_MS) + HOUR_MS + 1_000);
  }

  now(): number {
    return this.current;
  }

  /** The same time: tests only ever move it forward. */
  monotonic(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  /** To the same second of the next minute: every minute window has started over. */
  nextMinute(): void {
    this.advance(MINUTE_MS);
  }
}

/**
 * Real time, moved forward when a test says: for suites whose requests carry real timestamps too
 * (assertions signed with jose's current time) and that need a date to pass (a key's expiry).
 */
export class RunningClock extends Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  /** Moves with real time and with the test's steps, like `now`. */
  monotonic(): number {
    return performance.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }

  /** Back to real time. */
  reset(): void {
    this.offset = 0;
  }
}

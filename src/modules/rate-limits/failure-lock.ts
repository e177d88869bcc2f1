import { LRUCache } from 'lru-cache';
import { TooManyRequestsError } from '../../common/errors/api-errors';
import type { ResilientThrottlerStorage } from './resilient-throttler.storage';
import { growingBound } from '../../common/cache/growing-bound';

/**
 * Failures counted per tracker (an email, a client IP) in a calendar window of the throttler
 * storage, Redis when configured, so every instance counts into the same window. At `max` the
 * tracker is locked until the window ends.
 *
 * The storage can count but not peek, so the lock is remembered where a failure hit the limit:
 * another instance learns it from its own next failure there. With N instances an attacker
 * gets at most N - 1 attempts beyond the limit per window. Locks end by the storage's clock, the
 * one its windows are counted in.
 */
export class FailureLock {
  private readonly lockedUntil = new LRUCache<string, number>(growingBound(100_000));

  constructor(
    private readonly storage: ResilientThrottlerStorage,
    /** Names the counters in the storage. */
    private readonly name: string,
    private readonly windowMs: number,
  ) {}

  /** Refuses with 429 (Retry-After: the longest remaining lock) if any tracker is locked. */
  assertOpen(...trackers: string[]): void {
    const now = this.storage.clock.now();
    let until = 0;
    for (const tracker of trackers) until = Math.max(until, this.lockedUntil.get(tracker) ?? 0);
    if (until > now) throw TooManyRequestsError.after((until - now) / 1000);
  }

  isLocked(tracker: string): boolean {
    return (this.lockedUntil.get(tracker) ?? 0) > this.storage.clock.now();
  }

  async countFailure(tracker: string, max: number): Promise<void> {
    const [counted] = await this.storage.count([
      { name: this.name, tracker, limit: max, windowMs: this.windowMs },
    ]);
    if (counted.totalHits >= max) this.lockedUntil.set(tracker, counted.resetsAt);
  }

  /** Lifts this instance's lock (a success proves the caller is no longer guessing). */
  unlock(tracker: string): void {
    this.lockedUntil.delete(tracker);
  }
}

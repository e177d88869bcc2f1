import type { RedisConnections } from '../../common/cluster/redis-connections';
import { TooManyRequestsError } from '../../common/errors/api-errors';
import { Clock } from '../../common/time/clock';
import { FailureLock } from './failure-lock';
import { ResilientThrottlerStorage } from './resilient-throttler.storage';

const withoutRedis = { commands: null, isReady: () => false } as unknown as RedisConnections;
/** 2026-11-23 15:00:00 UTC, a calendar hour boundary. */
const ON_THE_HOUR = Date.UTC(2026, 10, 23, 15);

class FixedClock extends Clock {
  constructor(public at: number) {
    super();
  }
  now(): number {
    return this.at;
  }
  monotonic(): number {
    return this.at;
  }
}

function thrownBy(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('FailureLock', () => {
  it('locks a tracker at its limit until the window ends by the storage’s clock', async () => {
    const clock = new FixedClock(ON_THE_HOUR + 15_000);
    const lock = new FailureLock(new ResilientThrottlerStorage(withoutRedis, clock), 'f', 60_000);
    await lock.countFailure('ip:192.0.2.1', 2);
    expect(lock.isLocked('ip:192.0.2.1')).toBe(false);
    await lock.countFailure('ip:192.0.2.1', 2);
    expect(lock.isLocked('ip:192.0.2.1')).toBe(true);
    const refused = thrownBy(() => lock.assertOpen('email:x', 'ip:192.0.2.1'));
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    // 45 s left in the minute by the clock, whatever the real time is.
    expect((refused as TooManyRequestsError).headers).toEqual({ 'Retry-After': '45' });
    clock.at = ON_THE_HOUR + 60_000;
    expect(lock.isLocked('ip:192.0.2.1')).toBe(false);
    expect(() => lock.assertOpen('ip:192.0.2.1')).not.toThrow();
  });
});

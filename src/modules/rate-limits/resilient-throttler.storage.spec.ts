import type { RedisConnections } from '../../common/cluster/redis-connections';
import { Clock } from '../../common/time/clock';
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

describe('ResilientThrottlerStorage.increment (@nestjs/throttler interface), without Redis', () => {
  it('counts hits per key and name, and blocks past the limit without counting the refused', async () => {
    const clock = new FixedClock(ON_THE_HOUR + 600_000);
    const storage = new ResilientThrottlerStorage(withoutRedis, clock);
    const hit = () => storage.increment('client-a', 3_600_000, 2, 0, 'default');
    expect(await hit()).toEqual(expect.objectContaining({ totalHits: 1, isBlocked: false }));
    expect(await hit()).toEqual(expect.objectContaining({ totalHits: 2, isBlocked: false }));
    const refused = await hit();
    expect(refused).toEqual(expect.objectContaining({ totalHits: 2, isBlocked: true }));
    // Ten minutes into the hour by the storage's clock: 50 minutes left.
    expect(refused.timeToExpire).toBe(3000);
    expect(refused.timeToBlockExpire).toBe(refused.timeToExpire);
    expect((await storage.increment('client-b', 3_600_000, 2, 0, 'default')).totalHits).toBe(1);
  });
});

describe('ResilientThrottlerStorage.count, without Redis', () => {
  it('counts in the windows of its clock: moved past the window’s end, the count starts over', () => {
    const clock = new FixedClock(ON_THE_HOUR + 59_000);
    const storage = new ResilientThrottlerStorage(withoutRedis, clock);
    const limit = { name: 'ip', tracker: '192.0.2.1', limit: 1, windowMs: 60_000 };
    expect(storage.count([limit])).toEqual([expect.objectContaining({ blocked: false })]);
    expect(storage.count([limit])).toEqual([
      expect.objectContaining({ blocked: true, resetsAt: ON_THE_HOUR + 60_000 }),
    ]);
    clock.at = ON_THE_HOUR + 60_000;
    expect(storage.count([limit])).toEqual([
      expect.objectContaining({ totalHits: 1, blocked: false, resetsAt: ON_THE_HOUR + 120_000 }),
    ]);
  });
});

import type { RedisConnections } from '../../common/cluster/redis-connections';
import { ResilientThrottlerStorage } from './resilient-throttler.storage';

const withoutRedis = { commands: null, isReady: () => false } as unknown as RedisConnections;

describe('ResilientThrottlerStorage.increment (@nestjs/throttler interface), without Redis', () => {
  // An hour's window, so the test never straddles a boundary.
  it('counts hits per key and name, and blocks past the limit without counting the refused', async () => {
    const storage = new ResilientThrottlerStorage(withoutRedis);
    const hit = () => storage.increment('client-a', 3_600_000, 2, 0, 'default');
    expect(await hit()).toEqual(expect.objectContaining({ totalHits: 1, isBlocked: false }));
    expect(await hit()).toEqual(expect.objectContaining({ totalHits: 2, isBlocked: false }));
    const refused = await hit();
    expect(refused).toEqual(expect.objectContaining({ totalHits: 2, isBlocked: true }));
    expect(refused.timeToExpire).toBeGreaterThan(0);
    expect(refused.timeToExpire).toBeLessThanOrEqual(3600);
    expect(refused.timeToBlockExpire).toBe(refused.timeToExpire);
    expect((await storage.increment('client-b', 3_600_000, 2, 0, 'default')).totalHits).toBe(1);
  });
});

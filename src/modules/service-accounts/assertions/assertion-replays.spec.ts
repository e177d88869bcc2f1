import Redis from 'ioredis';
import type { RedisConnections } from '../../../common/cluster/redis-connections';
import { OAuthError } from '../../../common/errors/oauth-errors';
import { Clock } from '../../../common/time/clock';
import { AssertionReplays } from './assertion-replays';

class SteppingClock extends Clock {
  current = 1_000_000;
  now(): number {
    return this.current;
  }
  monotonic(): number {
    return this.current;
  }
}

const noRedis = { commands: null, isReady: () => false } as unknown as RedisConnections;

describe('assertion replays', () => {
  it('without Redis: a jti once per account while its assertion could be valid', async () => {
    const clock = new SteppingClock();
    const replays = new AssertionReplays(noRedis, clock);
    await expect(replays.firstUse('sa_a', 'j1', 60_000)).resolves.toBe(true);
    await expect(replays.firstUse('sa_a', 'j1', 60_000)).resolves.toBe(false);
    await expect(replays.firstUse('sa_b', 'j1', 60_000)).resolves.toBe(true);
    clock.current += 59_999;
    await expect(replays.firstUse('sa_a', 'j1', 60_000)).resolves.toBe(false);
    clock.current += 1;
    await expect(replays.firstUse('sa_a', 'j1', 60_000)).resolves.toBe(true);
  });

  it('with Redis configured but unreachable: refuses (503), never accepts unchecked', async () => {
    // A client that never connects (lazyConnect): configured, never ready.
    const down = {
      commands: new Redis({ lazyConnect: true }),
      isReady: () => false,
    } as unknown as RedisConnections;
    const refused = new AssertionReplays(down, new SteppingClock()).firstUse('sa_a', 'j', 1000);
    await expect(refused).rejects.toBeInstanceOf(OAuthError);
    await expect(refused).rejects.toMatchObject({
      error: 'temporarily_unavailable',
      status: 503,
    });
  });
  // With Redis: test/e2e/assertion-replays.e2e-spec.ts.
});

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
/** An `iat` in the second the clocks below start at. */
const SIGNED = 1_000;

describe('assertion replays', () => {
  it('without Redis: a jti once per account while its assertion could be valid', async () => {
    const clock = new SteppingClock();
    const replays = new AssertionReplays(noRedis, clock);
    await expect(replays.firstUse('sa_a', 'j1', 60_000, SIGNED)).resolves.toBe(true);
    await expect(replays.firstUse('sa_a', 'j1', 60_000, SIGNED)).resolves.toBe(false);
    await expect(replays.firstUse('sa_b', 'j1', 60_000, SIGNED)).resolves.toBe(true);
    clock.current += 59_999;
    await expect(replays.firstUse('sa_a', 'j1', 60_000, SIGNED)).resolves.toBe(false);
    clock.current += 1;
    await expect(replays.firstUse('sa_a', 'j1', 60_000, SIGNED)).resolves.toBe(true);
  });

  it('without Redis: refuses an assertion signed before this process began remembering', async () => {
    const clock = new SteppingClock();
    clock.current = 1_000_500;
    const replays = new AssertionReplays(noRedis, clock);
    // Signed in the second the memory began (iat has whole seconds): accepted.
    await expect(replays.firstUse('sa_a', 'j1', 60_000, 1_000)).resolves.toBe(true);
    // Signed earlier: a previous process may have accepted it and taken its memory with it.
    await expect(replays.firstUse('sa_a', 'j2', 60_000, 999)).rejects.toMatchObject({
      error: 'invalid_grant',
      status: 400,
    });
  });

  it('without Redis: when full of live jtis, forgets them and refuses what was signed before the next second, not everyone for an hour', async () => {
    const clock = new SteppingClock();
    const replays = new AssertionReplays(noRedis, clock);
    for (let i = 0; i < 100_000; i++) {
      await replays.firstUse('sa_flood', `j${i}`, 3_600_000, SIGNED);
    }
    // The next assertion empties the map: it, and any forgotten one, is refused.
    await expect(replays.firstUse('sa_other', 'k1', 3_600_000, SIGNED)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(replays.firstUse('sa_flood', 'j0', 3_600_000, SIGNED)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // A second later, a new assertion of any account goes through, once.
    clock.current += 1_000;
    await expect(replays.firstUse('sa_other', 'k2', 60_000, SIGNED + 1)).resolves.toBe(true);
    await expect(replays.firstUse('sa_other', 'k2', 60_000, SIGNED + 1)).resolves.toBe(false);
  });

  it('with Redis: refuses an assertion signed before the Redis server started (it forgot what it held)', async () => {
    const up = {
      commands: new Redis({ lazyConnect: true }),
      isReady: () => true,
      serverStartedAt: () => Promise.resolve(2_000_000),
    } as unknown as RedisConnections;
    const replays = new AssertionReplays(up, new SteppingClock());
    await expect(replays.firstUse('sa_a', 'j', 60_000, 2_000)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('with Redis configured but unreachable: refuses (503), never accepts unchecked', async () => {
    // A client that never connects (lazyConnect): configured, never ready.
    const down = {
      commands: new Redis({ lazyConnect: true }),
      isReady: () => false,
    } as unknown as RedisConnections;
    const refused = new AssertionReplays(down, new SteppingClock()).firstUse(
      'sa_a',
      'j',
      1000,
      SIGNED,
    );
    await expect(refused).rejects.toBeInstanceOf(OAuthError);
    await expect(refused).rejects.toMatchObject({
      error: 'temporarily_unavailable',
      status: 503,
    });
  });
  // With Redis: test/e2e/assertion-replays.e2e-spec.ts.
});

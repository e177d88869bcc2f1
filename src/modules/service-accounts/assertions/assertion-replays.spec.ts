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
    const down = { commands: {}, isReady: () => false } as unknown as RedisConnections;
    const refused = new AssertionReplays(down, new SteppingClock()).firstUse('sa_a', 'j', 1000);
    await expect(refused).rejects.toBeInstanceOf(OAuthError);
    await expect(refused).rejects.toMatchObject({
      error: 'temporarily_unavailable',
      status: 503,
    });
  });

  it('with Redis: one SET NX PX decides, keyed by a digest of the jti', async () => {
    const calls: unknown[][] = [];
    const seen = new Set<string>();
    const commands = {
      set: async (...args: unknown[]) => {
        calls.push(args);
        const key = args[0] as string;
        if (seen.has(key)) return null;
        seen.add(key);
        return 'OK';
      },
    };
    const redis = { commands, isReady: () => true } as unknown as RedisConnections;
    const replays = new AssertionReplays(redis, new SteppingClock());
    await expect(replays.firstUse('sa_a', 'x'.repeat(8000), 1500.2)).resolves.toBe(true);
    await expect(replays.firstUse('sa_a', 'x'.repeat(8000), 1500.2)).resolves.toBe(false);
    expect(calls[0]).toEqual([
      expect.stringMatching(/^tessera:jwt-bearer:jti:sa_a:[\w-]{43}$/),
      '1',
      'PX',
      1501,
      'NX',
    ]);
  });
});

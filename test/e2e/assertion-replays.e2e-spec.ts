import Redis from 'ioredis';
import { hash, randomUUID } from 'node:crypto';
import type { RedisConnections } from '../../src/common/cluster/redis-connections';
import { SystemClock } from '../../src/common/time/clock';
import { AssertionReplays } from '../../src/modules/service-accounts/assertions/assertion-replays';
import { countScriptRuns, describeWithSharedRedis, TEST_REDIS_URL } from '../utils/redis';

/**
 * The jwt-bearer grant's jti check on real Redis: the jtis of one event-loop turn are set in one
 * script run, each decided in order (the grant's own replay tests are in service-accounts e2e).
 */
describeWithSharedRedis('AssertionReplays on Redis', () => {
  let redis: Redis;
  let replays: AssertionReplays;
  let scripts: ReturnType<typeof countScriptRuns>;
  const account = () => `sa_${randomUUID().replace(/-/g, '')}`;

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true });
    await redis.ping();
    const connections = { commands: redis, isReady: () => redis.status === 'ready' };
    replays = new AssertionReplays(connections as unknown as RedisConnections, new SystemClock());
    // Loads the script into Redis, so each run below is one EVALSHA.
    await replays.firstUse(account(), 'warm-up', 1000);
    scripts = countScriptRuns(redis);
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => scripts.reset());

  it('checks a turn’s jtis in one script run, in order: a jti twice, the first one wins', async () => {
    const [a, b] = [account(), account()];
    const firsts = await Promise.all([
      replays.firstUse(a, 'j1', 60_000),
      replays.firstUse(a, 'j2', 60_000),
      replays.firstUse(a, 'j1', 60_000),
      replays.firstUse(b, 'j1', 60_000),
    ]);
    expect(scripts.runs()).toBe(1);
    expect(firsts).toEqual([true, true, false, true]);
    expect(await replays.firstUse(a, 'j2', 60_000)).toBe(false);
  });

  it('remembers a jti for its ttl, keyed by its digest', async () => {
    const a = account();
    const jti = 'x'.repeat(8000);
    expect(await replays.firstUse(a, jti, 300.2)).toBe(true);
    const key = `tessera:jwt-bearer:jti:${a}:${hash('sha256', jti, 'base64url')}`;
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(301);
    expect(await replays.firstUse(a, jti, 300)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await replays.firstUse(a, jti, 300)).toBe(true);
  });
});

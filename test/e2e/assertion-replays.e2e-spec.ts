import Redis from 'ioredis';
import { hash, randomUUID } from 'node:crypto';
import { SystemClock } from '../../src/common/time/clock';
import { AssertionReplays } from '../../src/modules/service-accounts/assertions/assertion-replays';
import { RedisConnections } from '../../src/common/cluster/redis-connections';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser } from '../utils/factories';
import {
  countScriptRuns,
  describeWithRedisServer,
  describeWithSharedRedis,
  DisposableRedis,
  TEST_REDIS_URL,
  waitFor,
} from '../utils/redis';
import { createServiceAccount, exchange, signAssertion } from '../utils/service-accounts';

/**
 * The jwt-bearer grant's jti check on real Redis: the jtis of one event-loop turn are set in one
 * script run, each decided in order (the grant's own replay tests are in service-accounts e2e).
 */
describeWithSharedRedis('AssertionReplays on Redis', () => {
  let redis: Redis;
  let replays: AssertionReplays;
  let scripts: ReturnType<typeof countScriptRuns>;
  const account = () => `sa_${randomUUID().replace(/-/g, '')}`;
  const signedNow = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true });
    await redis.ping();
    const connections = {
      commands: redis,
      isReady: () => redis.status === 'ready',
      serverStartedAt: () => Promise.resolve(null),
    };
    replays = new AssertionReplays(connections as unknown as RedisConnections, new SystemClock());
    // Loads the script into Redis, so each run below is one EVALSHA.
    await replays.firstUse(account(), 'warm-up', 1000, signedNow());
    scripts = countScriptRuns(redis);
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => scripts.reset());

  it('checks a turn’s jtis in one script run, in order: a jti twice, the first one wins', async () => {
    const [a, b] = [account(), account()];
    const firsts = await Promise.all([
      replays.firstUse(a, 'j1', 60_000, signedNow()),
      replays.firstUse(a, 'j2', 60_000, signedNow()),
      replays.firstUse(a, 'j1', 60_000, signedNow()),
      replays.firstUse(b, 'j1', 60_000, signedNow()),
    ]);
    expect(scripts.runs()).toBe(1);
    expect(firsts).toEqual([true, true, false, true]);
    expect(await replays.firstUse(a, 'j2', 60_000, signedNow())).toBe(false);
  });

  it('remembers a jti for its ttl, keyed by its digest', async () => {
    const a = account();
    const jti = 'x'.repeat(8000);
    expect(await replays.firstUse(a, jti, 300.2, signedNow())).toBe(true);
    const key = `tessera:jwt-bearer:jti:${a}:${hash('sha256', jti, 'base64url')}`;
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(301);
    expect(await replays.firstUse(a, jti, 300, signedNow())).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await replays.firstUse(a, jti, 300, signedNow())).toBe(true);
  });
});

/**
 * Redis keeps the jtis in memory only: restarted, it has forgotten which assertions were used.
 * An assertion signed before it started is refused, so a captured one cannot be exchanged again.
 */
/**
 * Waits until an assertion signed now is past the second Redis started in, which Tessera refuses
 * (it knows the start to the second only, from INFO's uptime): up to 2 s after the start.
 */
async function pastRedisStartSecond(t: TestApp): Promise<void> {
  const startedAt = await t.app.get(RedisConnections).serverStartedAt();
  if (startedAt === null) return;
  const wait = Math.floor(startedAt / 1000) * 1000 + 2000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

describeWithRedisServer('the JWT bearer grant across a Redis restart', () => {
  const redis = new DisposableRedis();
  let t: TestApp;
  beforeAll(async () => {
    await redis.start();
    t = await createTestApp({ REDIS_URL: redis.url });
    await waitFor(() => t.app.get(RedisConnections).isReady(), 5000);
    // On a fast machine the first assertion is signed within Redis's first second.
    await pastRedisStartSecond(t);
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
    await redis.stop();
  });

  it('refuses an assertion used before Redis restarted, and takes one signed after', async () => {
    const owner = await createUser(t, 'redis-restart');
    const account = await createServiceAccount(t, bearer(owner.accessToken));
    const assertion = await signAssertion(account.keyFile);
    await exchange(t, assertion).expect(200);
    await exchange(t, assertion).expect(400);

    await redis.stop();
    await redis.start();
    await waitFor(() => t.app.get(RedisConnections).isReady(), 10_000);
    const replayed = await exchange(t, assertion).expect(400);
    expect(replayed.body).toEqual({
      error: 'invalid_grant',
      error_description: expect.stringContaining('signed before Tessera began remembering'),
    });

    // Redis's start is known to the second: a signer's next second is after it.
    await pastRedisStartSecond(t);
    await exchange(t, await signAssertion(account.keyFile)).expect(200);
  });
});

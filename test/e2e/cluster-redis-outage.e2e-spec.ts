import Redis from 'ioredis';
import request from 'supertest';
import { asKey, userWithKey } from '../utils/api-keys';
import { redisOf, twoInstances } from '../utils/cluster';
import type { TestApp } from '../utils/create-app';
import { bearer, createUser } from '../utils/factories';
import { describeWithRedisServer, DisposableRedis, waitFor } from '../utils/redis';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

/** Something B has cached, changed through A. */
interface CachedOnB {
  /** Makes the change through A; resolves once A has answered. */
  changeOnA(): Promise<void>;
  /** Whether B's answer now reflects the change (a refusal, or the new limit). */
  appliedOnB(): Promise<boolean>;
}

/** A user's access token, verified (so cached) by B, then logged out through A. */
async function loggedOutOnA(a: TestApp, b: TestApp): Promise<CachedOnB> {
  const user = await createUser(a, 'outage-logout');
  const verifyOnB = () => request(b.http).get('/v1/auth/verify').set(bearer(user.accessToken));
  await verifyOnB().expect(200);
  return {
    changeOnA: async () => {
      await request(a.http).post('/v1/auth/logout').set(bearer(user.accessToken)).expect(204);
    },
    appliedOnB: async () => (await verifyOnB()).status === 401,
  };
}

/** An API key, verified (so cached) by B, then revoked through A. */
async function keyRevokedOnA(a: TestApp, b: TestApp): Promise<CachedOnB> {
  const { user, key } = await userWithKey(a, 'outage-key');
  const verifyOnB = () => request(b.http).get('/v1/auth/verify').set(asKey(key.key));
  await verifyOnB().expect(200);
  return {
    changeOnA: async () => {
      await request(a.http)
        .delete(`/v1/api-keys/${key.id}`)
        .set(bearer(user.accessToken))
        .expect(204);
    },
    appliedOnB: async () => (await verifyOnB()).status === 401,
  };
}

/** A member acting in an organization through B (role cached there), then removed through A. */
async function memberRemovedOnA(a: TestApp, b: TestApp): Promise<CachedOnB> {
  const owner = await createUser(a, 'outage-owner');
  const member = await createUser(a, 'outage-member');
  await request(a.http)
    .post(`/v1/organizations/${owner.organizationId}/members`)
    .set(bearer(owner.accessToken))
    .send({ email: member.email, role: 'viewer' })
    .expect(201);
  const asMember = { ...bearer(member.accessToken), 'X-Organization-ID': owner.organizationId };
  const verifyOnB = () => request(b.http).get('/v1/auth/verify').set(asMember);
  await verifyOnB().expect(200);
  return {
    changeOnA: async () => {
      await request(a.http)
        .delete(`/v1/organizations/${owner.organizationId}/members/${member.userId}`)
        .set(bearer(owner.accessToken))
        .expect(204);
    },
    appliedOnB: async () => (await verifyOnB()).status === 403,
  };
}

/** An organization whose plan limit B has cached (free: 60 a minute), moved to another through A. */
async function planChangedOnA(a: TestApp, b: TestApp): Promise<CachedOnB> {
  const user = await createUser(a, 'outage-plan');
  const verifyOnB = () => request(b.http).get('/v1/auth/verify').set(bearer(user.accessToken));
  await verifyOnB().expect(200).expect('x-ratelimit-limit', '60');
  return {
    changeOnA: async () => {
      await request(a.http)
        .patch(`/v1/organizations/${user.organizationId}`)
        .set(bearer(TEST_ADMIN_TOKEN))
        .send({ plan: 'enterprise', rate_limit_per_minute: 5000 })
        .expect(200);
    },
    appliedOnB: async () => (await verifyOnB()).headers['x-ratelimit-limit'] === '5000',
  };
}

const CHANGES = {
  'a logout': loggedOutOnA,
  'a key revocation': keyRevokedOnA,
  'a member removal': memberRemovedOnA,
  'a plan change': planChangedOnA,
};

/** Instances subscribed to the invalidation channel of `redisUrl` (each instance has one). */
async function subscribedInstances(redisUrl: string): Promise<number> {
  const client = new Redis(redisUrl, { lazyConnect: true });
  try {
    await client.connect();
    const reply = (await client.call('PUBSUB', 'NUMSUB', 'tessera:cache-invalidation')) as [
      string,
      number,
    ];
    return Number(reply[1]);
  } finally {
    client.disconnect();
  }
}

const instanceEnv = (redisUrl: string, pollMs: number) => ({
  REDIS_URL: redisUrl,
  INVALIDATION_POLL_MS: String(pollMs),
  RATE_LIMITS_ENABLED: 'true',
  PUBLIC_RATE_LIMIT_PER_MINUTE: '1000',
});

/**
 * Two instances on a redis-server of the suite's own, started before its tests and stopped after
 * them (the instances checked for 5xx and closed first).
 */
function twoInstancesOnOwnRedis(pollMs: number) {
  const redis = new DisposableRedis();
  let pair: [TestApp, TestApp] | undefined;
  beforeAll(async () => {
    await redis.start();
    pair = await twoInstances(instanceEnv(redis.url, pollMs));
    await redisOf(pair, 'up', 5000);
  });
  afterAll(async () => {
    try {
      if (pair) {
        expect(pair.flatMap((instance) => instance.logs.serverErrors())).toEqual([]);
        await Promise.all(pair.map((instance) => instance.close()));
      }
    } finally {
      await redis.stop();
    }
  });
  return { redis, instances: () => pair! };
}

describeWithRedisServer('two instances while Redis is down: the database carries changes', () => {
  const POLL_MS = 500;
  /** What the README promises without Redis: the poll interval plus one database read. */
  const BOUND_MS = POLL_MS + 1000;
  const { redis, instances } = twoInstancesOnOwnRedis(POLL_MS);
  let a: TestApp;
  let b: TestApp;
  beforeAll(() => ([a, b] = instances()));

  it('applies on B, within the poll interval, each change made on A while Redis is down', async () => {
    const cached = Object.entries(CHANGES);
    const prepared = await Promise.all(cached.map(([, prepare]) => prepare(a, b)));
    await redis.stop();
    await redisOf([a, b], 'down', 5000);
    for (const [index, change] of prepared.entries()) {
      await change.changeOnA();
      await waitFor(change.appliedOnB, BOUND_MS).catch(() => {
        throw new Error(`${cached[index][0]} on A was not applied on B within ${BOUND_MS} ms`);
      });
    }
  });

  it('once Redis is back, still refuses on B what changed meanwhile, and B applies a new change at once', async () => {
    const duringOutage = await loggedOutOnA(a, b);
    await duringOutage.changeOnA();
    await redis.start();
    await redisOf([a, b], 'up', 10_000);
    await waitFor(async () => (await subscribedInstances(redis.url)) === 2, 10_000);
    await expect(duringOutage.appliedOnB()).resolves.toBe(true);
    for (const prepare of Object.values(CHANGES)) {
      const change = await prepare(a, b);
      await change.changeOnA();
      // Over Redis, A answered once B confirmed: B's very next answer has it.
      await expect(change.appliedOnB()).resolves.toBe(true);
    }
  });
});

describeWithRedisServer('two instances when Redis returns: B catches up on reconnecting', () => {
  /** Longer than this suite runs: only the catch-up on reconnecting can tell B. */
  const POLL_MS = 60_000;
  /** ioredis retries every 2 s at most; then one database read. */
  const RECONNECT_BOUND_MS = 2000 + 2000;
  const { redis, instances } = twoInstancesOnOwnRedis(POLL_MS);
  let a: TestApp;
  let b: TestApp;
  beforeAll(() => ([a, b] = instances()));

  it('applies on B, as soon as its Redis connection is back, what changed on A while it was down', async () => {
    const changes = await Promise.all(Object.values(CHANGES).map((prepare) => prepare(a, b)));
    await redis.stop();
    await redisOf([a, b], 'down', 5000);
    for (const change of changes) await change.changeOnA();
    await redis.start();
    await waitFor(async () => {
      for (const change of changes) if (!(await change.appliedOnB())) return false;
      return true;
    }, RECONNECT_BOUND_MS);
  });
});

describeWithRedisServer('two instances when Redis stops answering: taken for down', () => {
  const POLL_MS = 500;
  const COMMAND_TIMEOUT_MS = 500;
  /** A request may wait out one command's deadline before the watchdog drops the connection. */
  const ANSWER_WITHIN_MS = 3000;
  const redis = new DisposableRedis();
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    await redis.start();
    [a, b] = await twoInstances({
      ...instanceEnv(redis.url, POLL_MS),
      REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    });
    await redisOf([a, b], 'up', 5000);
  });
  afterAll(async () => {
    redis.resume();
    try {
      expect([a, b].flatMap((instance) => instance.logs.serverErrors())).toEqual([]);
      await Promise.all([a, b].map((instance) => instance.close()));
    } finally {
      await redis.stop();
    }
  });

  it('answers every request, reports Redis down, and still applies a revoke on B, while Redis is paused', async () => {
    const { user, key } = await userWithKey(a, 'paused-redis');
    const verifyKeyOn = (instance: TestApp) =>
      request(instance.http).get('/v1/auth/verify').set(asKey(key.key)).timeout(ANSWER_WITHIN_MS);
    await verifyKeyOn(b).expect(200);
    await redisOf([a, b], 'up', 1000);
    redis.pause();
    // A socket that takes the commands and never answers: without a deadline these hung.
    await verifyKeyOn(a).expect(200);
    await request(a.http)
      .get('/v1/auth/verify')
      .set(bearer(user.accessToken))
      .timeout(ANSWER_WITHIN_MS)
      .expect(200);
    // Two watchdog PINGs in a row unanswered.
    await redisOf([a, b], 'down', 4 * COMMAND_TIMEOUT_MS + 1000);
    const health = await request(a.http).get('/v1/health').timeout(ANSWER_WITHIN_MS);
    expect(health.body).toEqual(expect.objectContaining({ redis: 'down' }));

    await request(a.http)
      .delete(`/v1/api-keys/${key.id}`)
      .set(bearer(user.accessToken))
      .timeout(ANSWER_WITHIN_MS)
      .expect(204);
    await waitFor(async () => (await verifyKeyOn(b)).status === 401, POLL_MS + 1000);

    redis.resume();
    await redisOf([a, b], 'up', 10_000);
    await verifyKeyOn(a).expect(401);
  });
});

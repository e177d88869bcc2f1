import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { getStorageToken } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { RedisConnections } from '../../src/common/cluster/redis-connections';
import { CacheInvalidationBus } from '../../src/common/cluster/cache-invalidation.bus';
import { OrganizationLimitsCache } from '../../src/modules/rate-limits/organization-limits.cache';
import { slotOf } from '../../src/modules/rate-limits/calendar-window';
import { ResilientThrottlerStorage } from '../../src/modules/rate-limits/resilient-throttler.storage';
import { ApiKeyCache } from '../../src/modules/api-keys/api-key-cache';
import { ApiKeyVerifier } from '../../src/modules/api-keys/api-key.verifier';
import { generateApiKey } from '../../src/modules/api-keys/api-key-format';
import { asKey, createApiKey, usageOf, userWithKey } from '../utils/api-keys';
import { keyLookUps, queriesDuring } from '../utils/queries';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { describeWithSharedRedis, TEST_REDIS_URL, waitFor } from '../utils/redis';
import { TestClock } from '../utils/test-clock';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

/** A user in a fresh free organization and a key with a high hourly limit. */
async function freeOrganization(t: TestApp): Promise<{ user: TestUser; key: string }> {
  const { user, key } = await userWithKey(t, 'limited', { rate_limit_per_hour: 100000 });
  return { user, key: key.key };
}

/** The instance administrator puts an organization on another plan. */
async function setPlan(t: TestApp, organizationId: string, plan: Record<string, unknown>) {
  await request(t.http)
    .patch(`/v1/organizations/${organizationId}`)
    .set(bearer(TEST_ADMIN_TOKEN))
    .send(plan)
    .expect(200);
}

/** A user whose organization is on the pro plan (300 a minute), and a key made with `body`. */
async function proOrganizationKey(t: TestApp, label: string, body: Record<string, unknown>) {
  const user = await createUser(t, label);
  await setPlan(t, user.organizationId, { plan: 'pro' });
  const key = await createApiKey(t, bearer(user.accessToken), {
    scopes: ['translate:read'],
    ...body,
  });
  return { user, key };
}

/**
 * What every counter store must give: the same tests against this instance's memory and against
 * Redis (the counters of production with several instances). The app's clock stands one second
 * into a fresh hour and moves only when a test moves it, so no test waits for a calendar window
 * or straddles one.
 */
for (const { store, redis } of [
  { store: 'in-memory counters', redis: false },
  { store: 'Redis counters', redis: true },
]) {
  (redis ? describeWithSharedRedis : describe)(`rate limits (one instance, ${store})`, () => {
    let t: TestApp;
    const clock = TestClock.atStartOfNextHour();
    beforeAll(async () => {
      t = await createTestApp(
        {
          RATE_LIMITS_ENABLED: 'true',
          PUBLIC_RATE_LIMIT_PER_MINUTE: '1000',
          ...(redis ? { REDIS_URL: TEST_REDIS_URL } : {}),
        },
        { clock },
      );
      if (redis) await waitFor(() => t.app.get(RedisConnections).isReady(), 5000);
    });
    afterAll(async () => {
      expect(t.logs.serverErrors()).toEqual([]);
      await t.close();
    });

    it('refuses the 61st request in a minute from a free organization, with Retry-After', async () => {
      const { key } = await freeOrganization(t);
      const remaining: number[] = [];
      // Creating the key already counted 1 request against the organization.
      for (let i = 0; i < 59; i++) {
        const response = await request(t.http).get('/v1/auth/verify').set(asKey(key)).expect(200);
        remaining.push(Number(response.headers['x-ratelimit-remaining']));
        expect(response.headers['x-ratelimit-limit']).toBe('60');
      }
      expect(remaining[0]).toBe(58);
      expect(remaining[58]).toBe(0);
      expect(remaining).toEqual([...remaining].sort((a, b) => b - a));
      const refused = await request(t.http).get('/v1/auth/verify').set(asKey(key)).expect(429);
      // One second into the minute by the app's clock: 59 left.
      expect(refused.headers['retry-after']).toBe('59');
      expect(refused.body).toEqual({
        detail: 'Rate limit exceeded. Retry after 59 seconds.',
        code: 'rate_limited',
      });
      const reset = Number(refused.headers['x-ratelimit-reset']);
      expect(reset * 1000).toBe(clock.now() + 59_000);
      expect(reset % 60).toBe(0);
    });

    it('serves a refused organization again once the minute is over', async () => {
      const { key } = await freeOrganization(t);
      const verify = () => request(t.http).get('/v1/auth/verify').set(asKey(key));
      for (let i = 0; i < 59; i++) await verify().expect(200);
      await verify().expect(429);
      clock.nextMinute();
      await verify().expect(200).expect('x-ratelimit-remaining', '59');
    });

    it('counts refused requests against no limit: a burst past the plan leaves the key’s hour as it was', async () => {
      const { user, key } = await userWithKey(t, 'burst', { rate_limit_per_hour: 100 });
      const verify = () => request(t.http).get('/v1/auth/verify').set(asKey(key.key));
      // Creating the key counted 1 against the organization's 60 a minute: 59 left.
      for (let i = 0; i < 59; i++) await verify().expect(200);
      for (let i = 0; i < 20; i++) await verify().expect(429);
      await setPlan(t, user.organizationId, { plan: 'enterprise', rate_limit_per_minute: 5000 });
      // 59 served before and this one: 60 of the key's 100. The 20 refused took none of them.
      await verify()
        .expect(200)
        .expect('x-ratelimit-limit', '100')
        .expect('x-ratelimit-remaining', '40');
    });

    it('refuses the 11th request of a key limited to 10 an hour, and counts it as rejected', async () => {
      const { user, key } = await proOrganizationKey(t, 'hourly', {
        name: 'ten',
        rate_limit_per_hour: 10,
      });
      for (let i = 0; i < 10; i++) {
        const response = await request(t.http)
          .get('/v1/auth/verify')
          .set(asKey(key.key))
          .expect(200);
        expect(response.headers['x-ratelimit-limit']).toBe('10'); // tighter than the plan's 300
        expect(response.headers['x-ratelimit-remaining']).toBe(String(9 - i));
      }
      const refused = await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(429);
      // Until the end of the clock's hour, not a window's length after the first request.
      const hourEnds = clock.now() - (clock.now() % 3_600_000) + 3_600_000;
      expect(refused.headers['retry-after']).toBe(String((hourEnds - clock.now()) / 1000));
      expect(Number(refused.headers['x-ratelimit-reset'])).toBe(hourEnds / 1000);
      const usage = await usageOf(t, key.id, bearer(user.accessToken));
      expect(usage.data[0]).toEqual(expect.objectContaining({ rejected: 1 }));
      // Counted once, by outcome: ten served, one refused.
      expect(usage.data[0]).toEqual(expect.objectContaining({ requests: 10 }));
    });

    it('applies the plan the administrator sets, at once', async () => {
      const { user, key } = await freeOrganization(t);
      await request(t.http)
        .get('/v1/auth/verify')
        .set(asKey(key))
        .expect(200)
        .expect('x-ratelimit-limit', '60');
      await setPlan(t, user.organizationId, { plan: 'enterprise', rate_limit_per_minute: 5000 });
      await request(t.http)
        .get('/v1/auth/verify')
        .set(asKey(key))
        .expect(200)
        .expect('x-ratelimit-limit', '5000');
    });

    it('never limits /v1/health', async () => {
      for (let i = 0; i < 150; i++) {
        const response = await request(t.http).get('/v1/health').expect(200);
        expect(response.headers['x-ratelimit-limit']).toBeUndefined();
      }
    });

    it('applies a key’s changed rate_limit_per_hour on its next request, both ways', async () => {
      const { user, key } = await proOrganizationKey(t, 'patched-limit', { name: 'k' });
      const verify = () => request(t.http).get('/v1/auth/verify').set(asKey(key.key));
      await verify().expect(200).expect('x-ratelimit-limit', '300'); // the plan's, tighter than 1000
      const setLimit = (perHour: number) =>
        request(t.http)
          .patch(`/v1/api-keys/${key.id}`)
          .set(bearer(user.accessToken))
          .send({ rate_limit_per_hour: perHour })
          .expect(200)
          .expect((response) => expect(response.body.rate_limit_per_hour).toBe(perHour));
      await setLimit(10);
      await verify()
        .expect(200)
        .expect('x-ratelimit-limit', '10')
        .expect('x-ratelimit-remaining', '8');
      for (let i = 0; i < 8; i++) await verify().expect(200);
      await verify().expect(429);
      // Raised again: served at once, not blocked for the rest of the hour. Ten were served and
      // one refused (counted nowhere): this is the 11th of 50.
      await setLimit(50);
      await verify()
        .expect(200)
        .expect('x-ratelimit-limit', '50')
        .expect('x-ratelimit-remaining', '39');
    });

    // Only Redis counters carry an expiry of their own (in memory, a window's end is its expiry).
    if (redis) {
      it('gives a Redis counter left without an expiry one again, so none lives forever', async () => {
        const storage = t.app.get<ResilientThrottlerStorage>(getStorageToken());
        const limit = {
          name: 'expiry-repair',
          tracker: randomUUID(),
          limit: 10,
          windowMs: 3_600_000,
        };
        const key = slotOf(limit, clock.now()).key;
        const client = new Redis(TEST_REDIS_URL);
        try {
          await client.set(key, '3'); // as if a write had lost its expiry
          const [counted] = await storage.count([limit]);
          expect(counted.totalHits).toBe(4);
          const left = await client.pttl(key);
          expect(left).toBeGreaterThan(0);
          expect(left).toBeLessThanOrEqual(3_600_000);
        } finally {
          await client.del(key);
          client.disconnect();
        }
      });
    }
  });
}

/** A request from 127.0.0.1 as the authenticator sees it: look-ups raced without HTTP. */
const localCaller = () => ({ ip: '127.0.0.1', headers: {} }) as unknown as FastifyRequest;

/** Per-IP limits and cache look-ups: in this instance's memory. */
describe('rate limits (one instance, look-ups and client IPs)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMITS_ENABLED: 'true', PUBLIC_RATE_LIMIT_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  /**
   * A second app whose unauthenticated routes allow 3 requests a minute per IP, used for one
   * test, checked for server errors and closed. Its clock stands still one second into a minute,
   * so the test never straddles a window.
   */
  async function withStrictPublicLimit(
    run: (strict: TestApp) => Promise<void>,
    env: Record<string, string> = {},
  ): Promise<void> {
    await withTestApp(
      { RATE_LIMITS_ENABLED: 'true', PUBLIC_RATE_LIMIT_PER_MINUTE: '3', ...env },
      run,
      { clock: TestClock.atStartOfNextHour() },
    );
  }

  it('past the per-IP limit of made-up keys, answers them 429 and still serves real keys', async () => {
    await withStrictPublicLimit(async (strict) => {
      const { key: real } = await userWithKey(strict, 'behind-nat');
      // Well-formed keys with valid checksums that no one issued: each is a cache miss.
      const madeUp = () => asKey(generateApiKey('tk', 'live').key);
      for (let i = 0; i < 3; i++)
        await request(strict.http).get('/v1/auth/verify').set(madeUp()).expect(401);
      const refused = await request(strict.http).get('/v1/auth/verify').set(madeUp()).expect(429);
      expect(refused.headers['retry-after']).toBeDefined();
      // Someone else behind the same address, with a real key no cache holds yet.
      await request(strict.http).get('/v1/auth/verify').set(asKey(real.key)).expect(200);
    });
  });

  it('refuses every uncached key of a guessing IP before asking the database past a far higher ceiling', async () => {
    await withStrictPublicLimit(async (strict) => {
      const { key: real } = await userWithKey(strict, 'guesser');
      const madeUp = () => asKey(generateApiKey('tk', 'live').key);
      for (let i = 0; i < 3; i++)
        await request(strict.http).get('/v1/auth/verify').set(madeUp()).expect(401);
      // 20 times the limit of 3 in look-ups while locked: then no more look-ups this minute.
      for (let i = 0; i < 60; i++)
        await request(strict.http).get('/v1/auth/verify').set(madeUp()).expect(429);
      const queries = await queriesDuring(strict, async () => {
        await request(strict.http).get('/v1/auth/verify').set(madeUp()).expect(429);
        await request(strict.http).get('/v1/auth/verify').set(asKey(real.key)).expect(429);
      });
      expect(keyLookUps(queries)).toEqual([]);
    });
  });

  it('never counts look-ups of real keys: many keys behind one IP, all at once, are all served', async () => {
    await withStrictPublicLimit(async (strict) => {
      const user = await createUser(strict, 'many-keys');
      const keys: string[] = [];
      for (let i = 0; i < 6; i++) {
        const created = await createApiKey(strict, bearer(user.accessToken), {
          name: `k${i}`,
          scopes: ['translate:read'],
        });
        keys.push(created.key);
      }
      // 6 uncached keys, 4 concurrent requests each: at least twice the per-IP limit in
      // look-ups if look-ups of real keys were counted.
      const responses = await Promise.all(
        keys.flatMap((key) =>
          Array.from({ length: 4 }, () =>
            request(strict.http).get('/v1/auth/verify').set(asKey(key)),
          ),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(24).fill(200));
    });
  });

  it('shares one database look-up between concurrent misses of the same key', async () => {
    const { key } = await freeOrganization(t);
    const authenticator = t.app.get(ApiKeyVerifier);
    const queries = await queriesDuring(t, async () => {
      // Two requests miss the cache in the same tick, as under load when an entry expires.
      const [first, second] = await Promise.all([
        authenticator.verify(key, localCaller()),
        authenticator.verify(key, localCaller()),
      ]);
      expect(first.subject).toBe(second.subject);
    });
    expect(keyLookUps(queries)).toHaveLength(1);
  });

  it('does not hand a look-up begun before a revoke to a request that arrives after it', async () => {
    const { user, key } = await freeOrganization(t);
    const authenticator = t.app.get(ApiKeyVerifier);
    const cache = t.app.get(ApiKeyCache);
    const keyId = (await authenticator.verify(key, localCaller())).subject;
    void cache.forget(keyId); // not cached: the next request looks it up
    const answer = (verify: () => unknown) =>
      Promise.resolve()
        .then(verify)
        .then(
          () => 'allowed',
          (error: Error) => `refused: ${error.message}`,
        );
    const queries = await queriesDuring(t, async () => {
      const during = answer(() => authenticator.verify(key, localCaller()));
      // The key is revoked while that look-up is in flight (or still waiting for its batch).
      await request(t.http)
        .delete(`/v1/api-keys/${keyId}`)
        .set(bearer(user.accessToken))
        .expect(204);
      // Whatever the first look-up read, the request after the revoke is refused: it is never
      // handed that look-up's row, nor a cache entry that look-up filled.
      expect(await answer(() => authenticator.verify(key, localCaller()))).toBe(
        'refused: API key revoked',
      );
      await during; // began before the revoke: either answer is right
    });
    // Its own look-up and the first one's, or one they shared, read after the revoke.
    expect(keyLookUps(queries).length).toBeGreaterThanOrEqual(1);
    expect(keyLookUps(queries).length).toBeLessThanOrEqual(2);
  });

  it('does not cache a plan limit read while the plan was changing', async () => {
    const { user } = await freeOrganization(t);
    const limits = t.app.get(OrganizationLimitsCache);
    const bus = t.app.get(CacheInvalidationBus);
    const planChanged = () => bus.publish({ kind: 'organization', id: user.organizationId });
    await planChanged(); // not cached: the next request reads the database
    const during = limits.perMinute(user.organizationId);
    await planChanged(); // the administrator changes the plan while that read is in flight
    expect(await during).toBe(60);
    expect(limits.cached(user.organizationId)).toBeUndefined();
    // A read that no change overlapped is cached.
    await limits.perMinute(user.organizationId);
    expect(limits.cached(user.organizationId)).toBe(60);
  });

  it('limits unauthenticated routes per client IP', async () => {
    await withStrictPublicLimit(async (strict) => {
      for (let i = 0; i < 3; i++) {
        await request(strict.http)
          .post('/v1/auth/refresh')
          .send({ refresh_token: 'rt_nope' })
          .expect(401);
      }
      const refused = await request(strict.http)
        .post('/v1/auth/refresh')
        .send({ refresh_token: 'rt_nope' })
        .expect(429);
      expect(refused.headers['retry-after']).toBeDefined();
      await request(strict.http).get('/v1/health').expect(200);
    });
  });

  it('counts every address of an IPv6 /64 as one client', async () => {
    await withStrictPublicLimit(
      async (strict) => {
        const from = (ip: string) =>
          request(strict.http)
            .post('/v1/auth/refresh')
            .set('X-Forwarded-For', ip)
            .send({ refresh_token: 'rt_nope' });
        for (const ip of ['2001:db8:5:6::1', '2001:db8:5:6::2', '2001:db8:5:6:ffff:ffff:ffff:ffff'])
          await from(ip).expect(401);
        // A fourth address of the same /64 is the same client: over its limit.
        await from('2001:db8:5:6:a:b:c:d').expect(429);
        // The neighbouring /64 is someone else.
        await from('2001:db8:5:7::1').expect(401);
      },
      { TRUST_PROXY: 'true' },
    );
  });
});

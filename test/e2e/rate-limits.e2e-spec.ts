import request from 'supertest';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { ApiKeyCache } from '../../src/modules/api-keys/api-key-cache';
import { ApiKeyAuthenticator } from '../../src/modules/auth/api-key-authenticator';
import { generateApiKey } from '../../src/modules/api-keys/api-key-format';
import { asKey, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { awayFromWindowEdge } from '../utils/redis';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

describe('rate limits (one instance, in-memory counters)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMITS_ENABLED: 'true', PUBLIC_RATE_LIMIT_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  /** A user in a fresh free organization and a key with a high hourly limit. */
  async function freeOrganization(): Promise<{ user: TestUser; key: string }> {
    const user = await createUser(t, 'limited');
    const key = await createApiKey(t, bearer(user.accessToken), {
      name: 'k',
      scopes: ['translate:read'],
      rate_limit_per_hour: 100000,
    });
    return { user, key: key.key };
  }

  /**
   * A second app whose unauthenticated routes allow 3 requests a minute per IP, used for one
   * test away from a minute boundary, checked for server errors and closed.
   */
  async function withStrictPublicLimit(run: (strict: TestApp) => Promise<void>): Promise<void> {
    const strict = await createTestApp({
      RATE_LIMITS_ENABLED: 'true',
      PUBLIC_RATE_LIMIT_PER_MINUTE: '3',
    });
    try {
      await awayFromWindowEdge(60_000);
      await run(strict);
      expect(strict.logs.serverErrors()).toEqual([]);
    } finally {
      await strict.close();
    }
  }

  it('refuses the 61st request in a minute from a free organization, with Retry-After', async () => {
    await awayFromWindowEdge(60_000);
    const { key } = await freeOrganization();
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
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual({
      detail: `Rate limit exceeded. Retry after ${retryAfter} seconds.`,
      code: 'rate_limited',
    });
    const reset = Number(refused.headers['x-ratelimit-reset']);
    expect(reset * 1000).toBeGreaterThan(Date.now());
    expect(reset % 60).toBe(0);
  });

  it('refuses the 11th request of a key limited to 10 an hour, and counts it as rejected', async () => {
    await awayFromWindowEdge(3_600_000, 5000);
    const user = await createUser(t, 'hourly');
    await request(t.http)
      .patch(`/v1/organizations/${user.organizationId}`)
      .set(bearer(TEST_ADMIN_TOKEN))
      .send({ plan: 'pro' })
      .expect(200);
    const key = await createApiKey(t, bearer(user.accessToken), {
      name: 'ten',
      scopes: ['translate:read'],
      rate_limit_per_hour: 10,
    });
    for (let i = 0; i < 10; i++) {
      const response = await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
      expect(response.headers['x-ratelimit-limit']).toBe('10'); // tighter than the plan's 300
      expect(response.headers['x-ratelimit-remaining']).toBe(String(9 - i));
    }
    const refused = await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['x-ratelimit-reset']) % 3600).toBe(0);
    const usage = await request(t.http)
      .get(`/v1/api-keys/${key.id}/usage`)
      .set(bearer(user.accessToken))
      .expect(200);
    expect(usage.body.data[0]).toEqual(expect.objectContaining({ rejected: 1 }));
    // Counted once, by outcome: ten served, one refused.
    expect(usage.body.data[0]).toEqual(expect.objectContaining({ requests: 10 }));
  });

  it('applies the plan the administrator sets, at once', async () => {
    await awayFromWindowEdge(60_000);
    const { user, key } = await freeOrganization();
    await request(t.http)
      .get('/v1/auth/verify')
      .set(asKey(key))
      .expect(200)
      .expect('x-ratelimit-limit', '60');
    await request(t.http)
      .patch(`/v1/organizations/${user.organizationId}`)
      .set(bearer(TEST_ADMIN_TOKEN))
      .send({ plan: 'enterprise', rate_limit_per_minute: 5000 })
      .expect(200);
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

  it('refuses made-up keys past the per-IP limit before asking the database', async () => {
    await withStrictPublicLimit(async (strict) => {
      // Well-formed keys with valid checksums that no one issued: each is a cache miss.
      for (let i = 0; i < 3; i++) {
        const { key } = generateApiKey('tk', 'live');
        await request(strict.http).get('/v1/auth/verify').set(asKey(key)).expect(401);
      }
      const logger = strict.app.get(DataSource).logger;
      const spy = jest.spyOn(logger, 'logQuery');
      try {
        const refused = await request(strict.http)
          .get('/v1/auth/verify')
          .set(asKey(generateApiKey('tk', 'live').key))
          .expect(429);
        expect(refused.headers['retry-after']).toBeDefined();
        expect(spy.mock.calls.filter(([sql]) => String(sql).includes('api_keys'))).toEqual([]);
      } finally {
        spy.mockRestore();
      }
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
    const { key } = await freeOrganization();
    const authenticator = t.app.get(ApiKeyAuthenticator);
    const spy = jest.spyOn(t.app.get(DataSource).logger, 'logQuery');
    try {
      // Two requests miss the cache in the same tick, as under load when an entry expires.
      const caller = () => ({ ip: '127.0.0.1', headers: {} }) as unknown as FastifyRequest;
      const [first, second] = await Promise.all([
        authenticator.authenticate(key, caller()),
        authenticator.authenticate(key, caller()),
      ]);
      expect(first.subject).toBe(second.subject);
      const lookUps = spy.mock.calls.filter(([sql]) => /^SELECT[\s\S]*key_hash/i.test(String(sql)));
      expect(lookUps).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('does not hand a look-up begun before a revoke to a request that arrives after it', async () => {
    const { key } = await freeOrganization();
    const authenticator = t.app.get(ApiKeyAuthenticator);
    const spy = jest.spyOn(t.app.get(DataSource).logger, 'logQuery');
    try {
      const caller = () => ({ ip: '127.0.0.1', headers: {} }) as unknown as FastifyRequest;
      const cache = t.app.get(ApiKeyCache);
      const keyId = (await authenticator.authenticate(key, caller())).subject;
      void cache.forget(keyId); // not cached: the next request looks it up
      spy.mockClear();
      const during = authenticator.authenticate(key, caller());
      // The key changes (revoke, rotate, update) while that look-up is in flight.
      void cache.forget(keyId);
      const after = authenticator.authenticate(key, caller());
      await Promise.all([during, after]);
      const lookUps = spy.mock.calls.filter(([sql]) => /^SELECT[\s\S]*key_hash/i.test(String(sql)));
      expect(lookUps).toHaveLength(2);
    } finally {
      spy.mockRestore();
    }
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
});

import Redis from 'ioredis';
import request from 'supertest';
import { RedisConnections as RedisState } from '../../src/common/cluster/redis-connections';
import { asKey, createApiKey, userWithKey } from '../utils/api-keys';
import { twoInstances } from '../utils/cluster';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, login, TestUser } from '../utils/factories';
import { basicAuth, clientCredentialsToken, grantedCode, registerClient } from '../utils/oauth';
import {
  describeWithRedisServer,
  describeWithSharedRedis,
  DisposableRedis,
  awayFromWindowEdge,
  TEST_REDIS_URL,
  waitFor,
} from '../utils/redis';

/**
 * Runs `body` while `instance` reads nothing from its Redis subscriber connection (as a busy or
 * paused instance would), for at most `delayMs`; what arrived meanwhile is read afterwards.
 */
async function whileReadingLate<T>(
  instance: TestApp,
  delayMs: number,
  body: () => Promise<T>,
): Promise<T> {
  const socket = instance.app.get(RedisState).subscriber!.stream;
  socket.pause();
  const resume = setTimeout(() => socket.resume(), delayMs);
  try {
    return await body();
  } finally {
    clearTimeout(resume);
    socket.resume();
  }
}

describeWithSharedRedis('several instances on shared database and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    [a, b] = await twoInstances({
      REDIS_URL: TEST_REDIS_URL,
      RATE_LIMITS_ENABLED: 'true',
      PUBLIC_RATE_LIMIT_PER_MINUTE: '1000',
    });
    await waitFor(() => a.app.get(RedisState).isReady() && b.app.get(RedisState).isReady(), 5000);
  });
  afterAll(async () => {
    expect([...a.logs.serverErrors(), ...b.logs.serverErrors()]).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  /** A user of A's organization and an API key of theirs, made through A. */
  const keyMadeOnA = (name: string) => userWithKey(a, name);

  const revokeOnA = (user: TestUser, keyId: string) =>
    request(a.http).delete(`/v1/api-keys/${keyId}`).set(bearer(user.accessToken)).expect(204);

  it('reports Redis up', async () => {
    await request(a.http)
      .get('/v1/health')
      .expect(200, { status: 'ok', database: 'up', redis: 'up', audit_events_set_aside: 0 });
  });

  it('counts requests on both instances against one limit: the 61st across both is refused', async () => {
    const { key } = await userWithKey(a, 'shared-limit', { rate_limit_per_hour: 100000 });
    // Key creation counted 1; 59 more alternate between the instances.
    for (let i = 0; i < 59; i++) {
      const instance = i % 2 === 0 ? b : a;
      await request(instance.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    }
    const last = await request(b.http).get('/v1/auth/verify').set(asKey(key.key)).expect(429);
    expect(last.headers['retry-after']).toBeDefined();
    await request(a.http).get('/v1/auth/verify').set(asKey(key.key)).expect(429);
  });

  it('counts concurrent requests on both instances exactly: a key limited to 10 an hour gets 10', async () => {
    const { key } = await userWithKey(a, 'concurrent-limit', { rate_limit_per_hour: 10 });
    await awayFromWindowEdge(3_600_000, 10_000);
    const statuses = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        request((i % 2 === 0 ? a : b).http)
          .get('/v1/auth/verify')
          .set(asKey(key.key))
          .then(({ status }) => status),
      ),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
  });

  it('refuses on B, on the very next request, a key revoked through A while B had it cached', async () => {
    const { user, key } = await keyMadeOnA('revoke-across');
    await request(b.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200); // B caches it
    await revokeOnA(user, key.id);
    const refused = await request(b.http).get('/v1/auth/verify').set(asKey(key.key)).expect(401);
    expect(refused.body.detail).toBe('API key revoked');
  });

  it('answers a revoke only once B has applied it, even when B reads its messages late', async () => {
    const { user, key } = await keyMadeOnA('revoke-late-reader');
    await request(b.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200); // B caches it
    // 200 ms: longer than the revoke takes on A, shorter than A waits for confirmations (250).
    await whileReadingLate(b, 200, async () => {
      await revokeOnA(user, key.id);
      // Sent as soon as A answers: had A not waited for B, B would still be holding the message.
      await request(b.http).get('/v1/auth/verify').set(asKey(key.key)).expect(401);
    });
  });

  it('still answers a change when an instance never confirms it', async () => {
    const { user, key } = await keyMadeOnA('revoke-unconfirmed');
    await whileReadingLate(b, 60_000, () => revokeOnA(user, key.id));
    // B read the message once it resumed: the key is refused there too.
    await waitFor(
      async () => (await request(b.http).get('/v1/auth/verify').set(asKey(key.key))).status === 401,
      5000,
    );
  });

  it('logs a user out everywhere: B refuses the access token it had cached', async () => {
    const user = await createUser(a, 'logout-across');
    await request(b.http).get('/v1/auth/verify').set(bearer(user.accessToken)).expect(200);
    await request(a.http).post('/v1/auth/logout').set(bearer(user.accessToken)).expect(204);
    await request(b.http).get('/v1/auth/verify').set(bearer(user.accessToken)).expect(401);
  });

  it('ends a session deleted through A on B: B refuses the access token it had cached', async () => {
    const user = await createUser(a, 'session-delete-across');
    const other = await login(a, user.email, user.password);
    await request(b.http).get('/v1/auth/verify').set(bearer(other.access_token)).expect(200);
    const sid = JSON.parse(Buffer.from(other.access_token.split('.')[1], 'base64url').toString())
      .sid as string;
    await request(a.http)
      .delete(`/v1/auth/sessions/${sid}`)
      .set(bearer(user.accessToken))
      .expect(204);
    await request(b.http).get('/v1/auth/verify').set(bearer(other.access_token)).expect(401);
    await request(b.http).get('/v1/auth/verify').set(bearer(user.accessToken)).expect(200);
  });

  it('ends on B, on the very next request, an OAuth grant the user ended through A', async () => {
    const user = await createUser(a, 'grant-across');
    const client = await registerClient(a, user, {
      grantTypes: ['authorization_code'],
      redirectUris: ['https://app.example/callback'],
    });
    const { code, grantId } = await grantedCode(a, {
      client,
      userId: user.userId,
      scopes: ['translate:read'],
      redirectUri: 'https://app.example/callback',
    });
    const tokens = await request(a.http)
      .post('/oauth/token')
      .set(basicAuth(client.clientId, client.clientSecret))
      .type('form')
      .send({
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://app.example/callback',
      })
      .expect(200);
    const delegated = bearer(tokens.body.access_token);
    await request(b.http).get('/v1/auth/verify').set(delegated).expect(200);
    await request(a.http)
      .delete(`/v1/oauth/grants/${grantId}`)
      .set(bearer(user.accessToken))
      .expect(204);
    await request(b.http).get('/v1/auth/verify').set(delegated).expect(401);
  });

  it('refuses on B, on the very next request, an OAuth token revoked or a client deleted through A', async () => {
    const owner = await createUser(a, 'oauth-across');
    const client = await registerClient(a, owner);
    const revoked = await clientCredentialsToken(a, client);
    const orphaned = await clientCredentialsToken(a, client);
    // B verifies (and caches) both before anything changes.
    await request(b.http).get('/v1/auth/verify').set(bearer(revoked)).expect(200);
    await request(b.http).get('/v1/auth/verify').set(bearer(orphaned)).expect(200);
    await request(a.http)
      .post('/oauth/revoke')
      .set(basicAuth(client.clientId, client.clientSecret))
      .type('form')
      .send({ token: revoked })
      .expect(200);
    await request(b.http).get('/v1/auth/verify').set(bearer(revoked)).expect(401);
    await request(b.http).get('/v1/auth/verify').set(bearer(orphaned)).expect(200);
    await request(a.http)
      .delete(`/v1/oauth/clients/${client.clientId}`)
      .set(bearer(owner.accessToken))
      .expect(204);
    await request(b.http).get('/v1/auth/verify').set(bearer(orphaned)).expect(401);
  });

  it('ends every session on B when the user logs out everywhere through A', async () => {
    const user = await createUser(a, 'logout-all-across');
    const other = await login(a, user.email, user.password);
    for (const token of [user.accessToken, other.access_token]) {
      await request(b.http).get('/v1/auth/verify').set(bearer(token)).expect(200);
    }
    await request(a.http).post('/v1/auth/logout-all').set(bearer(user.accessToken)).expect(204);
    for (const token of [user.accessToken, other.access_token]) {
      await request(b.http).get('/v1/auth/verify').set(bearer(token)).expect(401);
    }
  });

  it('counts failed logins on both instances against one lockout', async () => {
    const user = await createUser(a, 'lockout-across');
    // The default limit is 5 failures per email: 3 on A and 2 on B lock the email on A.
    for (const instance of [a, b, a, b, a]) {
      await request(instance.http)
        .post('/v1/auth/login')
        .send({ email: user.email, password: 'wrong-password' })
        .expect(401);
    }
    const locked = await request(a.http)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(429);
    expect(locked.headers['retry-after']).toBeDefined();
  });

  it('applies a role change made on A to B’s next request', async () => {
    const owner = await createUser(a, 'owner-across');
    const member = await createUser(a, 'member-across');
    await request(a.http)
      .post(`/v1/organizations/${owner.organizationId}/members`)
      .set(bearer(owner.accessToken))
      .send({ email: member.email, role: 'viewer' })
      .expect(201);
    const asMember = { ...bearer(member.accessToken), 'X-Organization-ID': owner.organizationId };
    await request(b.http)
      .get('/v1/auth/verify')
      .set(asMember)
      .expect(200)
      .expect((r) => expect(r.body.role).toBe('viewer'));
    await request(a.http)
      .delete(`/v1/organizations/${owner.organizationId}/members/${member.userId}`)
      .set(bearer(owner.accessToken))
      .expect(204);
    await request(b.http).get('/v1/auth/verify').set(asMember).expect(403);
  });
});

describeWithRedisServer('when Redis goes away', () => {
  const redis = new DisposableRedis();
  let t: TestApp;

  beforeAll(async () => {
    await redis.start();
    t = await createTestApp({
      REDIS_URL: redis.url,
      RATE_LIMITS_ENABLED: 'true',
      PUBLIC_RATE_LIMIT_PER_MINUTE: '1000',
    });
  });
  afterAll(async () => {
    try {
      // Undefined when Redis or the app failed to start: beforeAll's error is the one to see.
      if (t) {
        expect(t.logs.serverErrors()).toEqual([]);
        await t.close();
      }
    } finally {
      await redis.stop();
    }
  });

  it('keeps answering with local limits, reports redis down, and recovers', async () => {
    const health = () => request(t.http).get('/v1/health').expect(200);
    await waitFor(async () => (await health()).body.redis === 'up', 5000);
    const { user, key } = await userWithKey(t, 'redis-outage');
    await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);

    await redis.stop();
    await waitFor(async () => (await health()).body.redis === 'down', 5000);
    expect((await health()).body).toEqual({
      status: 'ok',
      database: 'up',
      redis: 'down',
      audit_events_set_aside: 0,
    });
    for (let i = 0; i < 5; i++) {
      const response = await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
      expect(response.headers['x-ratelimit-remaining']).toBeDefined(); // counted locally
    }
    const another = await createApiKey(t, bearer(user.accessToken), {
      name: 'during-outage',
      scopes: ['translate:read'],
    });
    await request(t.http)
      .delete(`/v1/api-keys/${another.id}`)
      .set(bearer(user.accessToken))
      .expect(204);
    await request(t.http).get('/v1/auth/verify').set(asKey(another.key)).expect(401);

    await redis.start();
    await waitFor(async () => (await health()).body.redis === 'up', 10000);
    await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    // Counted in the restarted Redis again (whose script cache is empty), not only locally.
    const client = new Redis(redis.url, { lazyConnect: true });
    try {
      await client.connect();
      expect(await client.keys(`{${key.id}:*:api_key}:hits`)).toHaveLength(1);
    } finally {
      client.disconnect();
    }
  });
});

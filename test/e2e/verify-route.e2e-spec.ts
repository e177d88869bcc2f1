import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import request from 'supertest';
import {
  CredentialVerifier,
  CredentialVerifierProvider,
} from '../../src/common/auth/credential-verifier';
import type { UserPrincipal } from '../../src/common/auth/principal';
import { generateApiKey } from '../../src/modules/api-keys/api-key-format';
import { asKey, createApiKey, userWithKey } from '../utils/api-keys';
import { twoInstances } from '../utils/cluster';
import { createTestApp, TestApp, TestAppOptions } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { createTeam } from '../utils/teams';
import { TestClock } from '../utils/test-clock';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

/** Headers that differ between two answers for reasons of their own. */
const VARYING = new Set(['date', 'connection', 'keep-alive']);

/** What Fastify's route-handler tracing channel published for `event` while `run` ran. */
async function fastifyHandlerEvents(
  event: 'start' | 'error',
  run: () => Promise<unknown>,
): Promise<unknown[]> {
  const channel = `tracing:fastify.request.handler:${event}`;
  const messages: unknown[] = [];
  const listener = (message: unknown) => messages.push(message);
  subscribe(channel, listener);
  try {
    await run();
  } finally {
    unsubscribe(channel, listener);
  }
  return messages;
}

/** The same request to both apps: status, body text and headers but those in VARYING. */
async function answersOf(apps: TestApp[], headers: Record<string, string>) {
  const ask = (t: TestApp) =>
    request(t.http)
      .get('/v1/auth/verify')
      .set({ ...headers, 'X-Request-Id': 'same-request' })
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => done(null, text));
      });
  const answers = await Promise.all(apps.map(ask));
  return answers.map((answer) => ({
    status: answer.status,
    body: answer.body as string,
    headers: Object.fromEntries(
      Object.entries(answer.headers).filter(([name]) => !VARYING.has(name)),
    ),
  }));
}

/** Two apps on one database, one serving the route directly and one through Nest. */
async function directAndThroughNest(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<[TestApp, TestApp]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-verify-'));
  const shared = {
    SQLITE_PATH: join(dataDir, 'tessera.sqlite'),
    TESSERA_DATA_DIR: dataDir,
    ...env,
  };
  const direct = await createTestApp(shared, options);
  const throughNest = await createTestApp(shared, { ...options, directVerifyRoute: false });
  return [direct, throughNest];
}

/**
 * GET /v1/auth/verify is served straight from Fastify (verify-route.ts) for speed. The same
 * route through Nest's handler must answer the same bytes: both apps share one database.
 */
describe('GET /v1/auth/verify served directly and through Nest', () => {
  let direct: TestApp;
  let throughNest: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    [direct, throughNest] = await directAndThroughNest();
    user = await createUser(direct, 'verify-twice');
  });
  afterAll(async () => {
    expect(direct.logs.serverErrors()).toEqual([]);
    expect(throughNest.logs.serverErrors()).toEqual([]);
    await Promise.all([direct.close(), throughNest.close()]);
  });

  it.each([
    ['an API key', async () => asKey((await key()).key)],
    ['a user token', () => Promise.resolve(bearer(user.accessToken))],
    [
      'the instance administrator',
      () =>
        Promise.resolve({ ...bearer(TEST_ADMIN_TOKEN), 'X-Organization-ID': user.organizationId }),
    ],
    ['no credential', () => Promise.resolve({} as Record<string, string>)],
    ['a revoked API key', async () => asKey((await revokedKey()).key)],
  ])('answers the same bytes and headers for %s', async (_label, credential) => {
    const headers = await credential();
    // Twice: the direct route keeps an API key's answer after the first request.
    for (let round = 0; round < 2; round++) {
      const [fromFastify, fromNest] = await answersOf([direct, throughNest], headers);
      expect(fromFastify).toEqual(fromNest);
    }
  });

  it('answers a user token with the organization and role it acts with now, request after request', async () => {
    const team = await createTeam(direct);
    const viewer = team.members.viewer;
    const verify = (headers: Record<string, string>) =>
      request(direct.http).get('/v1/auth/verify').set(headers).expect(200);
    const asViewer = team.inOrg(viewer);
    const own = bearer(viewer.accessToken);
    const asViewerThere = () =>
      expect(verify(asViewer).then((answer) => answer.body)).resolves.toMatchObject({
        organization_id: team.organizationId,
        role: 'viewer',
        scopes: expect.not.arrayContaining(['admin:*']),
      });
    // Each answer twice (the second is the kept one), in one organization, then another.
    await asViewerThere();
    await asViewerThere();
    for (let round = 0; round < 2; round++) {
      expect((await verify(own)).body).toMatchObject({
        organization_id: viewer.organizationId,
        role: 'owner',
      });
    }
    await asViewerThere();
    await request(direct.http)
      .patch(`/v1/organizations/${team.organizationId}/members/${viewer.userId}`)
      .set(bearer(team.owner.accessToken))
      .send({ role: 'admin' })
      .expect(200);
    // The same token, promoted: the kept viewer answer is not served again.
    expect((await verify(asViewer)).body).toMatchObject({
      organization_id: team.organizationId,
      role: 'admin',
      scopes: ['admin:*'],
    });
  });

  const key = () =>
    createApiKey(direct, bearer(user.accessToken), {
      name: 'twice',
      scopes: ['translate:read'],
      environment: 'test',
      expires_in_days: 7,
    });
  async function revokedKey() {
    const created = await key();
    await request(direct.http)
      .delete(`/v1/api-keys/${created.id}`)
      .set(bearer(user.accessToken))
      .expect(204);
    return created;
  }
});

/**
 * Refusals (a spent key's 429, an unknown key's 401) are the direct route's own answers, not
 * errors thrown to Fastify's error handler and Nest's filter: that path was ~8% of a refused
 * request's CPU (issue #21). They must still be the bytes Nest's filter answers. Rate
 * limits on, both apps on one clock (Retry-After alike), each counting in its own memory.
 */
describe('GET /v1/auth/verify refusals, served directly and through Nest', () => {
  const PUBLIC_LIMIT = 3;
  let direct: TestApp;
  let throughNest: TestApp;
  const clock = TestClock.atStartOfNextHour();
  beforeAll(async () => {
    [direct, throughNest] = await directAndThroughNest(
      { RATE_LIMITS_ENABLED: 'true', PUBLIC_RATE_LIMIT_PER_MINUTE: String(PUBLIC_LIMIT) },
      { clock },
    );
  });
  afterAll(async () => {
    expect(direct.logs.serverErrors()).toEqual([]);
    expect(throughNest.logs.serverErrors()).toEqual([]);
    await Promise.all([direct.close(), throughNest.close()]);
  });

  /** Errors the route handler threw to Fastify, while `run` runs. */
  async function thrownToFastify(run: () => Promise<unknown>): Promise<unknown[]> {
    const messages = await fastifyHandlerEvents('error', run);
    return messages.map((message) => (message as { error: unknown }).error);
  }

  async function spentKey(): Promise<string> {
    const { key } = await userWithKey(direct, 'spent', { rate_limit_per_hour: 10 });
    for (const t of [direct, throughNest]) {
      for (let i = 0; i < 10; i++) {
        await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
      }
    }
    return key.key;
  }

  it.each([
    ['a spent API key', 429, spentKey],
    ['an unknown API key', 401, () => Promise.resolve(generateApiKey('tk', 'live').key)],
  ])('answers %s with the filter’s bytes, without throwing to Fastify', async (_l, status, key) => {
    const headers = asKey(await key());
    // Twice: an unknown key is looked up, then remembered as unknown.
    for (let round = 0; round < 2; round++) {
      let answers: Awaited<ReturnType<typeof answersOf>> = [];
      const thrown = await thrownToFastify(async () => {
        answers = await answersOf([direct, throughNest], headers);
      });
      const [fromFastify, fromNest] = answers;
      expect(fromFastify.status).toBe(status);
      expect(fromFastify).toEqual(fromNest);
      expect(thrown).toEqual([]);
    }
  });

  it('answers made-up keys from a locked-out network with the filter’s bytes', async () => {
    const madeUp = () => asKey(generateApiKey('tk', 'live').key);
    clock.nextMinute(); // no look-up counted yet this minute
    for (const t of [direct, throughNest]) {
      for (let i = 0; i < PUBLIC_LIMIT; i++) {
        await request(t.http).get('/v1/auth/verify').set(madeUp()).expect(401);
      }
    }
    // Locked: looked up, then refused; past 20 times the limit, refused before any look-up.
    for (let i = 0; i <= 20 * PUBLIC_LIMIT; i++) {
      const headers = madeUp();
      const thrown = await thrownToFastify(async () => {
        const [fromFastify, fromNest] = await answersOf([direct, throughNest], headers);
        expect(fromFastify.status).toBe(429);
        expect(fromFastify).toEqual(fromNest);
      });
      expect(thrown).toEqual([]);
    }
  });
});

/**
 * A credential verifier that breaks (`broken_thrown` throws, `broken_rejected` rejects): an error
 * no code expected, whichever way it comes. From a test module; Tessera has no such verifier.
 */
@Injectable()
@CredentialVerifierProvider({ order: 1 })
class BrokenVerifier implements CredentialVerifier<UserPrincipal> {
  readonly principalType = 'user';

  recognizes(credential: string): boolean {
    return credential.startsWith('broken_');
  }

  verify(credential: string): UserPrincipal | Promise<UserPrincipal> {
    if (credential === 'broken_thrown') throw new Error('the verifier broke');
    return Promise.reject(new Error('the verifier broke later'));
  }

  inOrganization(): Promise<UserPrincipal | null> {
    return Promise.resolve(null);
  }
}

@Module({ providers: [BrokenVerifier] })
class BrokenVerifierModule {}

/** How many requests reached a Fastify route handler while `run` ran. */
async function fastifyHandled(run: () => Promise<unknown>): Promise<number> {
  return (await fastifyHandlerEvents('start', run)).length;
}

/**
 * The fast lane (common/http/fast-lane.ts) answers GET /v1/auth/verify ahead of Fastify when the
 * request is in its plainest form; the answers above compare it with Nest's route. Here: what it
 * takes and what it leaves to Fastify, the client address behind a proxy, and an error nobody
 * expected.
 */
describe('GET /v1/auth/verify in the fast lane', () => {
  let lane: TestApp;
  let throughNest: TestApp;
  let key: string;
  beforeAll(async () => {
    [lane, throughNest] = await twoInstances({}, { directVerifyRoute: false });
    key = (await userWithKey(lane, 'lane')).key.key;
  });
  afterAll(async () => {
    expect(lane.logs.serverErrors()).toEqual([]);
    expect(throughNest.logs.serverErrors()).toEqual([]);
    await Promise.all([lane.close(), throughNest.close()]);
  });

  it('answers the plainest request itself and leaves every other form to Fastify, which answers it as Nest does', async () => {
    const verify = (t: TestApp) => request(t.http).get('/v1/auth/verify');
    await expect(fastifyHandled(() => verify(lane).set(asKey(key)).expect(200))).resolves.toBe(0);
    const otherForms: [string, (t: TestApp) => request.Test][] = [
      ['a query string', (t) => request(t.http).get(`/v1/auth/verify?api_key=${key}`)],
      ['a body', (t) => verify(t).set(asKey(key)).set('Content-Type', 'text/plain').send('x')],
      ['HEAD', (t) => request(t.http).head('/v1/auth/verify').set(asKey(key))],
    ];
    for (const [label, ask] of otherForms) {
      let fromLane: request.Response | undefined;
      const handled = await fastifyHandled(async () => (fromLane = await ask(lane)));
      const fromNest = await ask(throughNest);
      expect({ label, handled, status: fromLane!.status }).toEqual({
        label,
        handled: 1,
        status: fromNest.status,
      });
      expect(fromLane!.body).toEqual(fromNest.body);
    }
    // A path that is not the route's own string is Fastify's too (here its 404).
    await request(lane.http).get('/v1/auth/verify/').set(asKey(key)).expect(404);
  });

  it('reads the client address behind a proxy as Fastify does, for every TRUST_PROXY form', async () => {
    const client = '203.0.113.7';
    const cases: [string, number][] = [
      ['false', 401], // X-Forwarded-For ignored: the socket's address is not allowed
      ['loopback', 200], // the nearest address past the trusted proxy
      ['127.0.0.0/8, ::1/128, ::ffff:127.0.0.1', 200],
      ['1', 200],
      ['true', 401], // everything trusted: the first address, the client's own claim
    ];
    for (const [trustProxy, expected] of cases) {
      const [withLane, withoutLane] = await twoInstances(
        { TRUST_PROXY: trustProxy },
        { fastLane: false },
      );
      try {
        const { key: allowed } = await userWithKey(
          withLane,
          `proxy-${trustProxy.replace(/\W/g, '')}`,
          {
            allowed_ips: [client],
          },
        );
        const headers = { ...asKey(allowed.key), 'X-Forwarded-For': `198.51.100.9, ${client}` };
        const [fromLane, fromFastify] = await answersOf([withLane, withoutLane], headers);
        expect({ trustProxy, status: fromLane.status }).toEqual({ trustProxy, status: expected });
        expect(fromLane).toEqual(fromFastify);
      } finally {
        await Promise.all([withLane.close(), withoutLane.close()]);
      }
    }
  });

  it('writes the request line Fastify’s hook writes', async () => {
    const [withLane, withoutLane] = await twoInstances(
      { VERIFY_LOG_SAMPLE: '1' },
      { fastLane: false },
    );
    try {
      const { key: created } = await userWithKey(withLane, 'lines');
      const headers = { ...asKey(created.key), 'User-Agent': 'lane-test/1.0' };
      await answersOf([withLane, withoutLane], headers);
      const lineOf = (t: TestApp) => {
        const entry = t.logs.entries().find((e) => e.request_id === 'same-request');
        expect(entry).toBeDefined();
        // Times differ; every other field, and their order, must not.
        const { time, response_time_ms, ...fields } = entry!;
        expect(typeof time).toBe('number');
        expect(typeof response_time_ms).toBe('number');
        return JSON.stringify(fields);
      };
      expect(lineOf(withLane)).toBe(lineOf(withoutLane));
    } finally {
      await Promise.all([withLane.close(), withoutLane.close()]);
    }
  });

  it('answers an error it did not expect through the exception filter, with the same bytes as Nest', async () => {
    const [withLane, nest] = await twoInstances(
      {},
      { extraModules: [BrokenVerifierModule], directVerifyRoute: false },
      { extraModules: [BrokenVerifierModule] },
    );
    try {
      for (const credential of ['broken_thrown', 'broken_rejected']) {
        const [fromLane, fromNest] = await answersOf([withLane, nest], bearer(credential));
        expect(fromLane.status).toBe(500);
        expect(fromLane).toEqual(fromNest);
      }
      expect(withLane.logs.serverErrors()).toHaveLength(2);
    } finally {
      await Promise.all([withLane.close(), nest.close()]);
    }
  });
});

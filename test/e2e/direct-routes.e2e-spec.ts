import { Body, Controller, Module, Post } from '@nestjs/common';
import request from 'supertest';
import { Public } from '../../src/common/auth/decorators';
import { DirectRoute } from '../../src/common/http/direct-routes';
import { twoInstances } from '../utils/cluster';
import { createTestApp, TestApp } from '../utils/create-app';
import { createUser } from '../utils/factories';
import { basicAuth, clientCredentialsToken, registerClient, TestClient } from '../utils/oauth';

/** Headers that differ between two answers for reasons of their own. */
const VARYING = new Set(['date', 'connection', 'keep-alive', 'x-request-id']);
/** Each app counts its own requests (no Redis): present on both, their values apart. */
const COUNTED = new Set(['ratelimit', 'x-ratelimit-remaining']);

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

/** The same form POST to both apps. */
async function answersOf(
  apps: TestApp[],
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer[]> {
  const answers = await Promise.all(
    apps.map((t) => request(t.http).post(path).set(headers).type('form').send(form)),
  );
  return answers.map((answer) => ({
    status: answer.status,
    body: answer.body as Record<string, unknown>,
    headers: Object.fromEntries(
      Object.entries(answer.headers)
        .filter(([name]) => !VARYING.has(name))
        .map(([name, value]) => [name, COUNTED.has(name) ? 'counted' : value]),
    ),
  }));
}

/**
 * The OAuth token and introspection endpoints are answered by Fastify past Nest's router
 * (@DirectRoute) for speed. Through Nest's router, the same requests must get the same status,
 * headers and body: both apps share one database, so the same client authenticates on both.
 */
describe('@DirectRoute endpoints answered directly and through Nest', () => {
  let direct: TestApp;
  let throughNest: TestApp;
  let client: TestClient;
  let other: TestClient;
  let basic: Record<string, string>;

  beforeAll(async () => {
    // One clock standing still: the 429 test's minute never ends halfway through it.
    [direct, throughNest] = await twoInstances(
      { RATE_LIMITS_ENABLED: 'true', PUBLIC_RATE_LIMIT_PER_MINUTE: '40' },
      { directRoutes: false },
    );
    const owner = await createUser(direct, 'direct-routes');
    client = await registerClient(direct, owner);
    other = await registerClient(direct, await createUser(direct, 'direct-routes-other'));
    basic = basicAuth(client.clientId, client.clientSecret);
  });

  afterAll(async () => {
    expect(direct.logs.serverErrors()).toEqual([]);
    expect(throughNest.logs.serverErrors()).toEqual([]);
    await Promise.all([direct.close(), throughNest.close()]);
  });

  it('issues tokens with the same status, headers and fields', async () => {
    const [fromFastify, fromNest] = await answersOf(
      [direct, throughNest],
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'translate:read' },
      basic,
    );
    expect(fromFastify.status).toBe(200);
    expect(fromFastify.headers['cache-control']).toBe('no-store');
    expect(fromFastify.headers['pragma']).toBe('no-cache');
    // Each token is new (its jti, iat): the same fields, not the same values.
    expect(fromFastify.body.access_token).not.toEqual(fromNest.body.access_token);
    const shape = (answer: Answer) => ({
      ...answer,
      headers: { ...answer.headers, 'content-length': 'varies' },
      body: { ...answer.body, access_token: typeof answer.body.access_token },
    });
    expect(shape(fromFastify)).toEqual(shape(fromNest));
  });

  it.each([
    ['a wrong secret (401 with a Basic challenge)', { grant_type: 'client_credentials' }, 'wrong'],
    ['an unknown grant type', { grant_type: 'password', username: 'a', password: 'b' }, 'basic'],
    ['a scope beyond the client’s', { grant_type: 'client_credentials', scope: 'x:y' }, 'basic'],
    ['no grant type', {}, 'basic'],
  ])('refuses %s alike', async (_label, form, credentials) => {
    const headers =
      credentials === 'wrong' ? basicAuth(client.clientId, `${client.clientSecret}x`) : basic;
    const [fromFastify, fromNest] = await answersOf(
      [direct, throughNest],
      '/oauth/token',
      form as Record<string, string>,
      headers,
    );
    expect(fromFastify.status).toBeGreaterThanOrEqual(400);
    expect(fromFastify.body).toEqual({
      error: expect.any(String),
      error_description: expect.any(String),
    });
    expect(fromFastify).toEqual(fromNest);
  });

  it('introspects with the same bytes, and tells another organization’s client nothing', async () => {
    const token = await clientCredentialsToken(direct, client, 'translate:read');
    const [active, activeViaNest] = await answersOf(
      [direct, throughNest],
      '/oauth/introspect',
      { token },
      basic,
    );
    expect(active.body).toMatchObject({ active: true, client_id: client.clientId });
    expect(active).toEqual(activeViaNest);
    const [foreign, foreignViaNest] = await answersOf(
      [direct, throughNest],
      '/oauth/introspect',
      { token },
      basicAuth(other.clientId, other.clientSecret),
    );
    expect(foreign.body).toEqual({ active: false });
    expect(foreign).toEqual(foreignViaNest);
  });

  it('answers a client over its public rate limit 429 in the OAuth shape on both', async () => {
    const limited = await registerClient(direct, await createUser(direct, 'direct-routes-429'));
    const headers = basicAuth(limited.clientId, limited.clientSecret);
    const introspect = (t: TestApp) =>
      request(t.http).post('/oauth/introspect').set(headers).type('form').send({ token: 'x' });
    // The apps count apart (no Redis): each its own 40 a minute.
    for (const t of [direct, throughNest]) {
      for (let i = 0; i < 40; i++) await introspect(t).expect(200);
      const refused = await introspect(t).expect(429);
      expect(refused.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: expect.any(String),
      });
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    }
  });
});

/** A direct route reading its body through a pipe it would skip. */
@Controller('test-direct')
class BodyReadingController {
  @Public()
  @DirectRoute()
  @Post()
  create(@Body() body: unknown): unknown {
    return body;
  }
}

@Module({ controllers: [BodyReadingController] })
class BodyReadingModule {}

describe('@DirectRoute at boot', () => {
  it('refuses a direct route taking what Nest would give it (the app does not start)', async () => {
    await expect(createTestApp({}, { extraModules: [BodyReadingModule] })).rejects.toThrow(
      'BodyReadingController.create is a @DirectRoute: it may take only @Req() first',
    );
  });
});

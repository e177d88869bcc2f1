import request from 'supertest';
import { createApiKey, usageTotals } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, uniqueEmail } from '../utils/factories';
import { HttpEdgeTestModule, TEST_CLIENT_SECRET } from '../utils/http-edge-test.module';
import { TestClock } from '../utils/test-clock';

const FORM = 'application/x-www-form-urlencoded';
const OAUTH = '/oauth/test';
const CONTRACT = '/v1/test-http-edge';
const basic = (clientId: string, secret = TEST_CLIENT_SECRET) => ({
  Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
});

/**
 * The HTTP edge the OAuth and SSO modules will stand on, through test-only routes mounted under
 * /oauth/test and, the same ones, under /v1/test-http-edge (test/utils/http-edge-test.module.ts).
 */
describe('the HTTP edge: form bodies and error shapes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { extraModules: [HttpEdgeTestModule] });
  });
  afterAll(async () => {
    // The 500s asked for, and nothing else.
    expect(t.logs.serverErrors().map((entry) => (entry.req as { url: string }).url)).toEqual([
      `${OAUTH}/fail/unexpected`,
      `${CONTRACT}/fail/unexpected`,
      `${OAUTH}/fail/database-down`,
      `${CONTRACT}/fail/database-down`,
      `${CONTRACT}/fail-authenticated/unexpected`,
      `${OAUTH}/fail-authenticated/database-down`,
    ]);
    await t.close();
  });

  describe('form bodies', () => {
    it('are taken by a route marked @AcceptsForm, charset or not, as are JSON bodies', async () => {
      for (const type of [FORM, `${FORM}; charset=UTF-8`]) {
        const response = await request(t.http)
          .post(`${OAUTH}/token`)
          .set('Content-Type', type)
          .send('grant_type=client_credentials&client_id=app+one&scope=a%20b%3Ac')
          .expect(200);
        expect(response.body.fields).toEqual({
          grant_type: 'client_credentials',
          client_id: 'app one',
          scope: 'a b:c',
        });
      }
      await request(t.http)
        .post(`${OAUTH}/token`)
        .send({ grant_type: 'client_credentials' })
        .expect(200);
    });

    it('are refused with 415 by every other route, which acts on nothing', async () => {
      const email = uniqueEmail('form');
      const refused = await request(t.http)
        .post('/v1/auth/register')
        .set('Content-Type', FORM)
        .send(`email=${encodeURIComponent(email)}&password=correct+horse+battery&full_name=F`)
        .expect(415);
      expect(refused.body).toEqual({ detail: 'Unsupported Media Type' });
      // Not registered: the same credentials in JSON find no account.
      await request(t.http)
        .post('/v1/auth/login')
        .send({ email, password: 'correct horse battery' })
        .expect(401);
      await request(t.http)
        .post('/v1/auth/login')
        .set('Content-Type', FORM)
        .send('email=a%40example.test&password=x')
        .expect(415, { detail: 'Unsupported Media Type' });
      await request(t.http)
        .post(`${OAUTH}/json-only`)
        .set('Content-Type', FORM)
        .send('name=x')
        .expect(415, { error: 'invalid_request', error_description: 'Unsupported Media Type' });
    });

    it('are validated like JSON: unknown and repeated fields are a 422 at their loc', async () => {
      const unknown = await request(t.http)
        .post(`${CONTRACT}/token`)
        .set('Content-Type', FORM)
        .send('grant_type=client_credentials&admin=true')
        .expect(422);
      expect(unknown.body.detail).toEqual([
        { loc: ['body', 'admin'], msg: 'extra fields not permitted', type: 'value_error.extra' },
      ]);
      const repeated = await request(t.http)
        .post(`${CONTRACT}/token`)
        .set('Content-Type', FORM)
        .send('grant_type=client_credentials&scope=a&scope=b')
        .expect(422);
      expect(repeated.body.detail).toContainEqual(
        expect.objectContaining({ loc: ['body', 'scope'], type: 'type_error.str' }),
      );
      const missing = await request(t.http)
        .post(`${CONTRACT}/token`)
        .set('Content-Type', FORM)
        .send('')
        .expect(422);
      expect(missing.body.detail).toEqual([
        { loc: ['body', 'grant_type'], msg: 'field required', type: 'value_error.missing' },
      ]);
    });

    it('keep the body limits: 413 past BODY_LIMIT_BYTES, 422 past 10,000 values', async () => {
      await request(t.http)
        .post(`${CONTRACT}/token`)
        .set('Content-Type', FORM)
        .send(`grant_type=${'x'.repeat(110_000)}`)
        .expect(413, { detail: 'Request body is too large' });
      const values = await request(t.http)
        .post(`${CONTRACT}/token`)
        .set('Content-Type', FORM)
        .send(`grant_type=client_credentials&${'scope=a&'.repeat(10_001)}`)
        .expect(422);
      expect(values.body.detail[0].loc[0]).toBe('body');
      await request(t.http)
        .post(`${OAUTH}/token`)
        .set('Content-Type', FORM)
        .send(`grant_type=${'x'.repeat(110_000)}`)
        .expect(413, { error: 'invalid_request', error_description: 'Request body is too large' });
    });
  });

  describe('on /oauth/*, RFC 6749’s {error, error_description}, never cached; elsewhere {detail}', () => {
    /** The same request under both prefixes: the OAuth answer, checked for no-store, and the contract's. */
    async function both(
      send: (prefix: string) => request.Test,
    ): Promise<{ oauth: request.Response; contract: request.Response }> {
      const oauth = await send(OAUTH);
      expect(oauth.headers['cache-control']).toBe('no-store');
      expect(Object.keys(oauth.body).filter((k) => k !== 'request_id')).toEqual([
        'error',
        'error_description',
      ]);
      return { oauth, contract: await send(CONTRACT) };
    }

    it('turns a validation failure into invalid_request 400, naming the parameters', async () => {
      const { oauth, contract } = await both((prefix) =>
        request(t.http).post(`${prefix}/token`).send({ grant_type: 5, extra: 1 }),
      );
      expect(oauth.status).toBe(400);
      expect(oauth.body).toEqual({
        error: 'invalid_request',
        error_description:
          'extra: extra fields not permitted; ' +
          'grant_type: grant_type must be shorter than or equal to 64 characters; ' +
          'grant_type: grant_type must be a string',
      });
      expect(contract.status).toBe(422);
      expect(contract.body.detail).toHaveLength(3);
    });

    it('answers an OAuth error as itself there, and as detail and code elsewhere', async () => {
      const { oauth, contract } = await both((prefix) =>
        request(t.http)
          .post(`${prefix}/token`)
          .set('Content-Type', FORM)
          .send('grant_type=authorization_code'),
      );
      expect(oauth.status).toBe(400);
      expect(oauth.body).toEqual({
        error: 'invalid_grant',
        error_description: 'The authorization code is invalid or expired',
      });
      expect(contract.status).toBe(400);
      expect(contract.body).toEqual({
        detail: 'The authorization code is invalid or expired',
        code: 'invalid_grant',
      });
      await request(t.http).post(`${OAUTH}/token`).send({ grant_type: 'password' }).expect(400, {
        error: 'unsupported_grant_type',
        error_description: 'Unsupported grant_type',
      });
      await request(t.http)
        .get(`${OAUTH}/fail/slow-down`)
        .expect(400)
        .expect((r) => expect(r.body.error).toBe('slow_down'));
    });

    it('answers a failed client authentication 401 with a Basic challenge when it came in the header, else 400', async () => {
      const viaHeader = await request(t.http)
        .post(`${OAUTH}/token`)
        .set(basic('app', 'wrong'))
        .set('Content-Type', FORM)
        .send('grant_type=client_credentials')
        .expect(401);
      expect(viaHeader.body).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed',
      });
      expect(viaHeader.headers['www-authenticate']).toBe('Basic realm="tessera"');
      const inBody = await request(t.http)
        .post(`${OAUTH}/token`)
        .set('Content-Type', FORM)
        .send('grant_type=client_credentials&client_id=app&client_secret=wrong')
        .expect(400);
      expect(inBody.body.error).toBe('invalid_client');
      expect(inBody.headers['www-authenticate']).toBeUndefined();
    });

    it('answers the access guard’s 401 and 403 as RFC 6750 does for bearer tokens', async () => {
      const missing = await request(t.http).get(`${OAUTH}/protected`).expect(401);
      expect(missing.body).toEqual({
        error: 'invalid_token',
        error_description: 'Missing credentials',
      });
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="tessera"');
      expect(missing.headers['cache-control']).toBe('no-store');
      const invalid = await request(t.http)
        .get(`${OAUTH}/protected`)
        .set(bearer('not.a.token'))
        .expect(401);
      expect(invalid.body.error).toBe('invalid_token');
      expect(invalid.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      const user = await createUser(t, 'oauth-edge');
      const key = await createApiKey(t, bearer(user.accessToken), {
        name: 'no-translate',
        scopes: ['models:read'],
      });
      const { oauth, contract } = await both((prefix) =>
        request(t.http).get(`${prefix}/protected`).set(bearer(key.key)),
      );
      expect(oauth.status).toBe(403);
      expect(oauth.body).toEqual({
        error: 'insufficient_scope',
        error_description: 'Missing scope: translate:read',
      });
      expect(oauth.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
      expect(contract.status).toBe(403);
      expect(contract.body).toEqual({
        detail: 'Missing scope: translate:read',
        code: 'missing_scope',
      });
    });

    it('answers a rate limit temporarily_unavailable 429 with its Retry-After', async () => {
      const { oauth, contract } = await both((prefix) =>
        request(t.http).get(`${prefix}/fail/rate-limited`),
      );
      expect(oauth.status).toBe(429);
      expect(oauth.headers['retry-after']).toBe('30');
      expect(oauth.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'Rate limit exceeded. Retry after 30 seconds.',
      });
      expect(contract.status).toBe(429);
      expect(contract.body.detail).toBe('Rate limit exceeded. Retry after 30 seconds.');
    });

    it('answers other client errors invalid_request with their own status', async () => {
      const notFound = await both((prefix) => request(t.http).get(`${prefix}/fail/not-found`));
      expect(notFound.oauth.status).toBe(404);
      expect(notFound.oauth.body).toEqual({
        error: 'invalid_request',
        error_description: 'Client not found',
      });
      expect(notFound.contract.body).toEqual({ detail: 'Client not found' });
      const unknownRoute = await both((prefix) => request(t.http).get(`${prefix}/no-such-route`));
      expect(unknownRoute.oauth.status).toBe(404);
      expect(unknownRoute.oauth.body).toEqual({
        error: 'invalid_request',
        error_description: 'Not Found',
      });
      expect(unknownRoute.contract.body).toEqual({ detail: 'Not Found' });
      const conflict = await request(t.http).get(`${OAUTH}/fail/conflict`).expect(409);
      expect(conflict.body.error).toBe('invalid_request');
      const malformed = await request(t.http)
        .post(`${OAUTH}/token`)
        .set('Content-Type', 'application/json')
        .send('{"grant_type": ')
        .expect(400);
      expect(malformed.body.error).toBe('invalid_request');
    });

    it('answers the unexpected server_error 500 with the request id and nothing of the cause', async () => {
      const { oauth, contract } = await both((prefix) =>
        request(t.http).get(`${prefix}/fail/unexpected`),
      );
      expect(oauth.status).toBe(500);
      expect(oauth.body).toEqual({
        error: 'server_error',
        error_description: 'Internal server error',
        request_id: oauth.headers['x-request-id'],
      });
      expect(contract.status).toBe(500);
      expect(contract.body).toEqual({
        detail: 'Internal server error',
        request_id: contract.headers['x-request-id'],
      });
      // Logged with its cause for the operator.
      expect(t.logs.lines.join('\n')).toContain('secret_table column xyz');
      const down = await both((prefix) => request(t.http).get(`${prefix}/fail/database-down`));
      expect(down.oauth.status).toBe(503);
      expect(down.oauth.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'Service unavailable',
      });
      expect(down.contract.body).toEqual({ detail: 'Service unavailable' });
    });

    it('keeps error_description to the characters RFC 6749 allows', async () => {
      const response = await request(t.http)
        .post(`${OAUTH}/token`)
        .send({ grant_type: 'client_credentials', 'bad"name\\é’': 1 })
        .expect(400);
      expect(response.body.error_description).toBe("bad'name/??: extra fields not permitted");
    });

    it('leaves /.well-known and /v1/oauth in the contract’s shape', async () => {
      await request(t.http)
        .get('/.well-known/oauth-authorization-server/x')
        .expect(404, { detail: 'Not Found' });
      await request(t.http)
        .get('/v1/oauth/clients')
        .expect(401, { detail: 'Missing credentials', code: 'missing_credentials' });
      await request(t.http).get('/v1/oauthx').expect(404, { detail: 'Not Found' });
      await request(t.http).get('/oauthx').expect(404, { detail: 'Not Found' });
    });
  });

  describe('an API key’s usage', () => {
    it('counts a request the route answered 4xx as served, and one it answered 5xx as failed', async () => {
      const user = await createUser(t, 'usage-outcome');
      const key = await createApiKey(t, bearer(user.accessToken), {
        name: 'outcomes',
        scopes: ['translate:read'],
      });
      const get = (path: string) => request(t.http).get(path).set(bearer(key.key));
      await get(`${CONTRACT}/protected`).expect(200);
      await get(`${CONTRACT}/fail-authenticated/not-found`).expect(404);
      await get(`${OAUTH}/fail-authenticated/conflict`).expect(409);
      await get(`${CONTRACT}/fail-authenticated/unexpected`).expect(500);
      await get(`${OAUTH}/fail-authenticated/database-down`).expect(503);
      expect(await usageTotals(t, key.id, bearer(user.accessToken))).toEqual({
        requests: 3,
        rejected: 0,
        failed: 2,
      });
    });
  });
});

/** PUBLIC_RATE_LIMIT_PER_MINUTE (3 here) per client on the token route, per address elsewhere. */
describe('the HTTP edge: public limits per client on a route naming its tracker', () => {
  let t: TestApp;
  const clock = TestClock.atStartOfNextHour();
  beforeAll(async () => {
    t = await createTestApp(
      { RATE_LIMITS_ENABLED: 'true', PUBLIC_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'true' },
      { extraModules: [HttpEdgeTestModule], clock },
    );
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const tokenFrom = (ip: string, clientId?: string) =>
    request(t.http)
      .post(`${OAUTH}/token`)
      .set('X-Forwarded-For', ip)
      .set('Content-Type', FORM)
      .send(`grant_type=client_credentials${clientId ? `&client_id=${clientId}` : ''}`);

  it('gives clients behind one address a limit each, which they keep from any address', async () => {
    for (let i = 0; i < 3; i++) await tokenFrom('198.51.100.1', 'app-a').expect(200);
    const refused = await tokenFrom('198.51.100.1', 'app-a').expect(429);
    expect(refused.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'Rate limit exceeded. Retry after 59 seconds.',
    });
    expect(refused.headers['retry-after']).toBe('59');
    // Another client behind the same NAT has its own limit.
    for (let i = 0; i < 3; i++) await tokenFrom('198.51.100.1', 'app-b').expect(200);
    // app-a from elsewhere, in the body or in Basic credentials: still over its limit.
    await tokenFrom('203.0.113.9', 'app-a').expect(429);
    await request(t.http)
      .post(`${OAUTH}/token`)
      .set('X-Forwarded-For', '192.0.2.77')
      .set(basic('app-a'))
      .send({ grant_type: 'client_credentials' })
      .expect(429);
    // A new minute by the app's clock: served again, without waiting for one.
    clock.nextMinute();
    await tokenFrom('203.0.113.9', 'app-a').expect(200);
  });

  it('counts a request naming no client per address, as on other public routes', async () => {
    for (let i = 0; i < 3; i++) await tokenFrom('198.51.100.2').expect(200);
    await tokenFrom('198.51.100.2').expect(429);
    await tokenFrom('198.51.100.3').expect(200);
    // A named client from that address is counted apart from it; a name too long to be one
    // (over 255 characters) is not.
    await tokenFrom('198.51.100.2', 'app-c').expect(200);
    await tokenFrom('198.51.100.2', 'x'.repeat(256)).expect(429);
  });

  it('caps an address at 20 times the limit, however many client_ids it makes up', async () => {
    for (let i = 0; i < 60; i++) await tokenFrom('198.51.100.4', `made-up-${i}`).expect(200);
    await tokenFrom('198.51.100.4', 'made-up-60').expect(429);
    await tokenFrom('198.51.100.5', 'made-up-60').expect(200);
  });
});

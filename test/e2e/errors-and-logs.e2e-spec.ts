import request from 'supertest';
import { createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { rawGet } from '../utils/raw-http';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

describe('error shapes and request logs', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    // Every successful verification's line, so the redaction tests below see each one.
    t = await createTestApp({ BODY_LIMIT_BYTES: '2048', VERIFY_LOG_SAMPLE: '1' });
    user = await createUser(t, 'errors');
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  it('404s an unknown route in the contract shape', async () => {
    const response = await request(t.http).get('/v1/does-not-exist').expect(404);
    expect(response.body).toEqual({ detail: 'Not Found' });
    expect(response.headers['content-type']).toMatch(/application\/json/);
  });

  it('400s malformed JSON', async () => {
    const response = await request(t.http)
      .post('/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email": "a@b.c", ')
      .expect(400);
    expect(response.body).toEqual({ detail: expect.any(String) });
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.js|node_modules/);
  });

  it('413s a body over the size limit', async () => {
    const response = await request(t.http)
      .post('/v1/auth/register')
      .send({ email: 'big@example.test', password: 'x'.repeat(5000), full_name: 'Big' })
      .expect(413);
    expect(response.body).toEqual({ detail: expect.any(String) });
  });

  it('422s a JSON body that is not an object', async () => {
    const response = await request(t.http)
      .post('/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send('[1,2]')
      .expect(422);
    expect(response.body.detail[0]).toEqual({
      loc: ['body'],
      msg: 'value is not a valid object',
      type: 'type_error.dict',
    });
  });

  it('422s unknown fields and wrong types with loc/msg/type', async () => {
    const response = await request(t.http)
      .post('/v1/auth/login')
      .send({ email: 'a@example.test', password: 42, admin: true })
      .expect(422);
    expect(response.body.detail).toEqual(
      expect.arrayContaining([
        { loc: ['body', 'admin'], msg: 'extra fields not permitted', type: 'value_error.extra' },
        expect.objectContaining({ loc: ['body', 'password'], type: 'type_error.str' }),
      ]),
    );
  });

  it('422s null in an optional field of every body, at its loc, as a value of the wrong type', async () => {
    // Optional meant "absent or null" to the validator and "absent" to the services: null reached
    // them as a given value (500s on null.trim(), a key that expired at creation, a password check).
    const key = await createApiKey(t, bearer(user.accessToken), {
      name: 'nulls',
      scopes: ['models:read'],
    });
    const asUser = bearer(user.accessToken);
    const asAdmin = { ...bearer(TEST_ADMIN_TOKEN), 'X-Organization-ID': user.organizationId };
    const cases: [string, string, Record<string, unknown>, string[], Record<string, string>][] = [
      [
        'POST',
        '/v1/api-keys',
        { name: 'k' },
        ['scopes', 'permissions', 'environment', 'expires_in_days', 'expiration'],
        asUser,
      ],
      [
        'POST',
        '/v1/api-keys',
        { name: 'k', scopes: ['models:read'] },
        ['rate_limit_per_hour', 'allowed_ips', 'service_account_id'],
        asUser,
      ],
      ['PATCH', `/v1/api-keys/${key.id}`, {}, ['name', 'allowed_ips', 'scopes'], asUser],
      ['PATCH', `/v1/api-keys/${key.id}`, {}, ['rate_limit_per_hour'], asUser],
      ['POST', `/v1/api-keys/${key.id}/rotate`, {}, ['grace_period_hours'], asUser],
      [
        'PATCH',
        `/v1/organizations/${user.organizationId}`,
        {},
        ['name', 'plan', 'rate_limit_per_minute'],
        asAdmin,
      ],
      ['POST', '/v1/auth/login', { email: user.email, password: user.password }, ['mfa_code'], {}],
      [
        'POST',
        '/v1/auth/password',
        { new_password: 'a new long password' },
        ['current_password'],
        asUser,
      ],
      ['POST', '/v1/auth/mfa/totp/enroll', {}, ['current_password'], asUser],
      ['POST', '/v1/translate', { text: 'a', target_language: 'de' }, ['source_language'], asAdmin],
      ['POST', '/v1/documents', { name: 'a' }, ['content_type'], asAdmin],
    ];
    for (const [method, path, base, fields, headers] of cases) {
      for (const field of fields) {
        const response = await request(t.http)
          [method === 'POST' ? 'post' : 'patch'](path)
          .set(headers)
          .send({ ...base, [field]: null });
        expect([method, path, field, response.status]).toEqual([method, path, field, 422]);
        expect(response.body.detail).toContainEqual(
          expect.objectContaining({ loc: ['body', field] }),
        );
      }
    }
  });

  it('answers a path its router cannot decode or whose parameter is too long in the contract shape', async () => {
    const cases: [string, number][] = [
      ['/v1/api-keys/%ED%A0%80', 400], // no valid UTF-8 (a lone surrogate, WTF-8 encoded)
      [`/v1/api-keys/${'k'.repeat(101)}`, 414], // over Fastify's maxParamLength
    ];
    for (const [path, status] of cases) {
      const response = await request(t.http)
        .get(path)
        .set(bearer(user.accessToken))
        .set('X-Request-Id', 'router-error')
        .expect(status);
      expect(response.body).toEqual({ detail: expect.any(String) });
      expect(response.headers).toMatchObject({
        'content-type': expect.stringMatching(/^application\/json/),
        'x-request-id': 'router-error',
        'cache-control': 'no-store',
      });
    }
  });

  it('answers such a path under /oauth/ in RFC 6749’s shape, as every error there', async () => {
    const cases: [string, number][] = [
      ['/oauth/assets/%ED%A0%80', 400],
      [`/oauth/assets/${'k'.repeat(101)}`, 414],
    ];
    for (const [path, status] of cases) {
      const response = await request(t.http).get(path).expect(status);
      expect(response.body).toEqual({
        error: 'invalid_request',
        error_description: expect.any(String),
      });
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('answers request headers over Node’s 16 KB limit in the contract shape', async () => {
    const response = await request(t.http)
      .get('/v1/health')
      .set('X-Padding', 'x'.repeat(20_000))
      .expect(431);
    expect(response.body).toEqual({ detail: 'Request header fields too large' });
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('401s a protected route without credentials, 403s a missing permission', async () => {
    expect((await request(t.http).get('/v1/iam/users').expect(401)).body).toEqual({
      detail: 'Missing credentials',
      code: 'missing_credentials',
    });
    const viewerOrg = await request(t.http)
      .post('/v1/organizations')
      .set(bearer(user.accessToken))
      .send({ name: 'V' })
      .expect(201);
    const viewer = await createUser(t, 'viewer');
    await request(t.http)
      .post(`/v1/organizations/${viewerOrg.body.id}/members`)
      .set(bearer(user.accessToken))
      .send({ email: viewer.email, role: 'viewer' })
      .expect(201);
    const response = await request(t.http)
      .patch(`/v1/organizations/${viewerOrg.body.id}`)
      .set(bearer(viewer.accessToken))
      .send({ name: 'x' })
      .expect(403);
    expect(response.body).toEqual({
      detail: 'Missing permission: organization.update',
      code: 'missing_permission',
    });
  });

  it('never writes an API key header, a bearer token or an api_key query parameter to the log', async () => {
    const apiKey = 'tk_live_SecretKeyMaterial0123456789abcdefXYZ';
    const queryKey = 'tk_test_QuerySecret0123456789abcdefghijklm';
    const before = t.logs.lines.length;
    await request(t.http)
      .get(`/v1/auth/verify?api_key=${queryKey}&other=1`)
      .set('X-API-Key', apiKey)
      .set('Authorization', `Bearer ${user.accessToken}`)
      .set('X-Request-Id', 'log-redaction-test')
      .expect(200);
    await request(t.http)
      .post('/v1/auth/refresh')
      .send({ refresh_token: user.refreshToken })
      .expect(200);

    const lines = t.logs.lines.slice(before);
    const requestLine = lines.find((line) => line.includes('log-redaction-test'));
    expect(requestLine).toBeDefined();
    expect(requestLine).toContain('api_key=[REDACTED]');
    for (const line of lines) {
      expect(line).not.toContain(apiKey);
      expect(line).not.toContain(queryKey);
      expect(line).not.toContain(user.accessToken);
      expect(line).not.toContain(user.accessToken.split('.')[2]);
      expect(line).not.toContain(user.refreshToken);
    }
  });

  it('never logs an api_key query parameter whose name is percent-encoded, in any case', async () => {
    const { key } = await createApiKey(t, bearer(user.accessToken), {
      name: 'logged',
      scopes: ['models:read'],
    });
    // Names the query parser decodes to api_key: each is a credential the service accepts.
    const accepted = ['api%5Fkey', 'api%5fkey', '%61pi_key', '%61%70%69%5F%6B%65%79'];
    // Other cases of it: not credentials, but no less secret for that.
    const otherCases = ['API_KEY', 'Api%5FKey', '%41PI_KEY', 'api_KEY'];
    const before = t.logs.lines.length;
    for (const [index, name] of [...accepted, ...otherCases].entries()) {
      const status = accepted.includes(name) ? 200 : 401;
      await request(t.http)
        .get(`/v1/auth/verify?other=1&${name}=${key}`)
        .set('X-Request-Id', `encoded-name-${index}`)
        .expect(status);
    }
    // Fastify's router starts the query at "#" too (supertest would drop the fragment).
    expect(
      await rawGet(t, `/v1/auth/verify#api_key=${key}`, { 'X-Request-Id': 'fragment-query' }),
    ).toBe(200);

    const lines = t.logs.lines.slice(before);
    for (const id of [
      ...[...accepted, ...otherCases].map((_, i) => `encoded-name-${i}`),
      'fragment-query',
    ]) {
      const requestLine = lines.find((line) => line.includes(`"id":"${id}"`));
      expect(requestLine).toContain('=[REDACTED]');
    }
    for (const line of lines) expect(line).not.toContain(key.slice(8));
  });

  it('carries the request id in the request log line', async () => {
    await request(t.http)
      .get('/.well-known/jwks.json')
      .set('X-Request-Id', 'req-id-in-logs')
      .expect(200);
    const line = t.logs
      .entries()
      .find((entry) => (entry.req as { id?: string } | undefined)?.id === 'req-id-in-logs');
    expect(line).toEqual(
      expect.objectContaining({ request_id: 'req-id-in-logs', res: { status_code: 200 } }),
    );
  });

  it('writes one line in VERIFY_LOG_SAMPLE successful verifications, and every refusal', async () => {
    await withTestApp({ VERIFY_LOG_SAMPLE: '3' }, async (own) => {
      const owner = await createUser(own, 'sampled');
      const { key } = await createApiKey(own, bearer(owner.accessToken), {
        name: 'sampled',
        scopes: ['models:read'],
      });
      for (let i = 0; i < 7; i++) {
        await request(own.http)
          .get('/v1/auth/verify')
          .set('X-API-Key', key)
          .set('X-Request-Id', `sampled-${i}`)
          .expect(200);
      }
      await request(own.http)
        .get('/v1/auth/verify')
        // Another last character: "x" when it was one already would be the key itself (1 in 62).
        .set('X-API-Key', `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`)
        .set('X-Request-Id', 'sampled-refused')
        .expect(401);
      const lines = own.logs
        .entries()
        .filter((entry) => String(entry.request_id).startsWith('sampled-'));
      expect(lines).toEqual([
        expect.objectContaining({ request_id: 'sampled-2', sampled_one_in: 3 }),
        expect.objectContaining({ request_id: 'sampled-5', sampled_one_in: 3 }),
        expect.objectContaining({ request_id: 'sampled-refused', res: { status_code: 401 } }),
      ]);
      expect(lines[2]).not.toHaveProperty('sampled_one_in');
    });
  });
});

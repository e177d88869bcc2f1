import request from 'supertest';
import { DataSource, EntityManager } from 'typeorm';
import { ApiKeyUsage } from '../../src/modules/api-keys/api-key-usage.entity';
import { ApiKey } from '../../src/modules/api-keys/api-key.entity';
import { ApiKeysRepository } from '../../src/modules/api-keys/api-keys.repository';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { BackgroundJobs } from '../../src/common/jobs/background-jobs';
import { ApiKeyUsageRecorder } from '../../src/modules/api-keys/api-key-usage.recorder';
import { asKey, createApiKey, usageOf } from '../utils/api-keys';
import { queriesDuring } from '../utils/queries';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { awayFromWindowEdge } from '../utils/redis';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';
import { enrollTotp } from '../utils/totp';

const KEY_FORMAT = /^tk_(live|test|dev)_[0-9A-Za-z]{38}$/;

describe('API keys', () => {
  let t: TestApp;
  let owner: TestUser;
  beforeAll(async () => {
    t = await createTestApp({ API_KEY_USAGE_FLUSH_MS: '600000' });
    owner = await createUser(t, 'keys-owner');
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const verify = (headers: Record<string, string>) =>
    request(t.http).get('/v1/auth/verify').set(headers);

  describe('POST /v1/api-keys', () => {
    it('returns the secret once, in the contract shape, and never again', async () => {
      const created = await createApiKey(t, bearer(owner.accessToken), {
        name: 'worker',
        scopes: ['translate:write', 'translate:read'],
        expires_in_days: 30,
        allowed_ips: ['10.0.0.0/8', '127.0.0.1'],
      });
      expect(created).toEqual(
        expect.objectContaining({
          id: expect.stringMatching(/^key_[0-9a-f]{32}$/),
          name: 'worker',
          key: expect.stringMatching(KEY_FORMAT),
          start: created.key.slice(0, 12),
          environment: 'live',
          scopes: ['translate:write', 'translate:read'],
          created: expect.any(String),
          expires: expect.any(String),
          rate_limit_per_hour: 1000,
          allowed_ips: ['10.0.0.0/8', '127.0.0.1'],
        }),
      );
      const days =
        (Date.parse(created.expires as string) - Date.parse(created.created as string)) /
        86_400_000;
      expect(days).toBeCloseTo(30, 3);

      const one = await request(t.http)
        .get(`/v1/api-keys/${created.id}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      const list = await request(t.http)
        .get('/v1/api-keys?limit=100')
        .set(bearer(owner.accessToken))
        .expect(200);
      for (const body of [one.body, list.body])
        expect(JSON.stringify(body)).not.toContain(created.key);
      expect(one.body).not.toHaveProperty('key');
      expect(one.body.status).toBe('active');
      await verify(asKey(created.key)).expect(200);
      expect(t.logs.lines.join('\n')).not.toContain(created.key);
    });

    it('accepts permissions and access shorthands, environments and "12h" expirations', async () => {
      const readOnly = await createApiKey(t, bearer(owner.accessToken), {
        name: 'ro',
        access: 'read-only',
        environment: 'test',
      });
      expect(readOnly.key).toMatch(/^tk_test_/);
      expect(readOnly.scopes).toEqual(expect.arrayContaining(['translate:read', 'models:read']));
      expect((readOnly.scopes as string[]).every((s) => s.endsWith(':read'))).toBe(true);
      const viaPermissions = await createApiKey(t, bearer(owner.accessToken), {
        name: 'perm',
        permissions: ['models:read'],
        environment: 'dev',
        expiration: '12h',
      });
      expect(viaPermissions.scopes).toEqual(['models:read']);
      const hours =
        (Date.parse(viaPermissions.expires as string) -
          Date.parse(viaPermissions.created as string)) /
        3_600_000;
      expect(hours).toBeCloseTo(12, 3);
    });

    it('refuses bad input with a clear 4xx', async () => {
      const owner2 = bearer(owner.accessToken);
      // Scopes are a field like any other: what is wrong with them is a 422 at their place.
      const unknown = await request(t.http)
        .post('/v1/api-keys')
        .set(owner2)
        .send({ name: 'x', scopes: ['models:read', 'nope:read'] })
        .expect(422);
      expect(unknown.body.detail).toEqual([
        { loc: ['body', 'scopes', 1], msg: 'unknown scope: nope:read', type: 'value_error.scope' },
      ]);
      const missing = await request(t.http)
        .post('/v1/api-keys')
        .set(owner2)
        .send({ name: 'x' })
        .expect(422);
      expect(missing.body.detail).toEqual([
        {
          loc: ['body', 'scopes'],
          msg: 'field required (or permissions, or access)',
          type: 'value_error.missing',
        },
      ]);
      for (const body of [
        { name: 'x', scopes: [] },
        { name: 'x', scopes: ['models:read'], permissions: ['models:read'] },
        { name: 'x', scopes: ['models:read'], expires_in_days: 1, expiration: '1d' },
      ]) {
        const refused = await request(t.http)
          .post('/v1/api-keys')
          .set(owner2)
          .send(body)
          .expect(422);
        expect(refused.body.detail).toEqual([
          expect.objectContaining({ loc: expect.arrayContaining(['body']) }),
        ]);
      }
      await request(t.http)
        .post('/v1/api-keys')
        .set(owner2)
        .send({ name: 'x', scopes: ['models:read'], environment: 'prod' })
        .expect(422);
      await request(t.http)
        .post('/v1/api-keys')
        .set(owner2)
        .send({ name: 'x', scopes: ['models:read'], rate_limit_per_hour: 5 })
        .expect(422);
      const badIp = await request(t.http)
        .post('/v1/api-keys')
        .set(owner2)
        .send({
          name: 'x',
          scopes: ['models:read'],
          allowed_ips: ['10.0.0.0/33', '127.0.0.1', 'not-an-ip'],
        })
        .expect(422);
      // A validation error like any other field's, at the index of each bad entry.
      expect(badIp.body.detail).toEqual(
        [0, 2].map((index) => ({
          loc: ['body', 'allowed_ips', index],
          msg: 'value is not a valid IP address or CIDR range',
          type: 'value_error.ip_network',
        })),
      );
      await request(t.http)
        .post('/v1/api-keys')
        .set(owner2)
        .send({ name: 'x', scopes: ['models:read'], expiration: 'soon' })
        .expect(422);
    });

    it('caps a lifetime at 10 years: a longer one is a 422 and stores nothing', async () => {
      const headers = bearer((await createUser(t, 'lifetime')).accessToken);
      const create = (body: Record<string, unknown>) =>
        request(t.http)
          .post('/v1/api-keys')
          .set(headers)
          .send({ name: 'long-lived', scopes: ['models:read'], ...body });
      // Past a Date ("999999y"), past a DATETIME ("8000y", "7000y"), or merely past the cap.
      for (const expiration of [
        '999999y',
        '8000y',
        '7000y',
        '11y',
        '3651d',
        '522w',
        '87601h',
        '0d',
      ]) {
        const refused = await create({ expiration }).expect(422);
        expect(refused.body.detail).toEqual([
          {
            loc: ['body', 'expiration'],
            msg: 'expiration must be more than zero and at most 10 years ("3650d")',
            type: 'value_error.duration',
          },
        ]);
      }
      const tooManyDays = await create({ expires_in_days: 3651 }).expect(422);
      expect(tooManyDays.body.detail).toEqual([
        expect.objectContaining({
          loc: ['body', 'expires_in_days'],
          type: 'value_error.number.not_le',
        }),
      ]);
      const none = await request(t.http).get('/v1/api-keys').set(headers).expect(200);
      expect(none.body.data).toEqual([]);

      const days = (key: { created: unknown; expires: unknown }) =>
        (Date.parse(key.expires as string) - Date.parse(key.created as string)) / 86_400_000;
      for (const [body, expected] of [
        [{ expiration: '10y' }, 3650],
        [{ expiration: '87600h' }, 3650],
        [{ expiration: '521w' }, 3647],
        [{ expires_in_days: 3650 }, 3650],
      ] as const) {
        const created = await create(body).expect(201);
        expect(days(created.body)).toBeCloseTo(expected, 3);
      }
      const listed = await request(t.http).get('/v1/api-keys').set(headers).expect(200);
      expect(listed.body.data).toHaveLength(4);
    });

    it('refuses to mint a key with scopes the caller does not hold', async () => {
      const limited = await createApiKey(t, bearer(owner.accessToken), {
        name: 'minter',
        scopes: ['api_keys:write', 'translate:read'],
      });
      const child = await createApiKey(t, asKey(limited.key), {
        name: 'child',
        scopes: ['translate:read'],
      });
      expect(child.scopes).toEqual(['translate:read']);
      const escalation = await request(t.http)
        .post('/v1/api-keys')
        .set(asKey(limited.key))
        .send({ name: 'wider', scopes: ['translate:write'] })
        .expect(403);
      expect(escalation.body.detail).toBe('Cannot grant scopes you do not have: translate:write');
      await request(t.http)
        .post('/v1/api-keys')
        .set(asKey(limited.key))
        .send({ name: 'admin', access: 'admin' })
        .expect(403);
      const readOnly = await createApiKey(t, bearer(owner.accessToken), {
        name: 'reader',
        scopes: ['api_keys:read'],
      });
      await request(t.http)
        .post('/v1/api-keys')
        .set(asKey(readOnly.key))
        .send({ name: 'x', scopes: ['api_keys:read'] })
        .expect(403, { detail: 'Missing permission: api_keys.write', code: 'missing_permission' });
    });
  });

  describe('authentication with a key', () => {
    it('takes ?api_key= on routes with query parameters of their own, as their credential', async () => {
      const created = await createApiKey(t, bearer(owner.accessToken), {
        name: 'in the query',
        scopes: ['admin:*'],
      });
      for (const path of [
        '/v1/api-keys',
        `/v1/api-keys/${created.id}/usage`,
        '/v1/organizations',
        '/v1/iam/users',
        '/v1/service-accounts',
        '/v1/oauth/clients',
        '/v1/sso/connections',
        '/v1/audit-logs',
      ]) {
        const answer = await request(t.http).get(`${path}?api_key=${created.key}`);
        expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      }
      // Any other unknown parameter is still refused.
      const unknown = await request(t.http)
        .get(`/v1/api-keys?api_key=${created.key}&colour=red`)
        .expect(422);
      expect(unknown.body.detail).toEqual([
        { loc: ['query', 'colour'], msg: 'extra fields not permitted', type: 'value_error.extra' },
      ]);
    });

    it('works over all three transports and describes the key in /v1/auth/verify', async () => {
      const created = await createApiKey(t, bearer(owner.accessToken), {
        name: 'transports',
        scopes: ['translate:read'],
        environment: 'test',
        expires_in_days: 7,
      });
      for (const req of [
        verify(asKey(created.key)),
        verify(bearer(created.key)),
        request(t.http).get(`/v1/auth/verify?api_key=${created.key}`),
      ]) {
        // The second and third answers are the first one kept for the cached key: the same.
        const response = await req
          .expect(200)
          .expect('content-type', 'application/json; charset=utf-8');
        expect(response.body).toEqual({
          authenticated: true,
          principal_type: 'api_key',
          subject: created.id,
          organization_id: owner.organizationId,
          scopes: ['translate:read'],
          environment: 'test',
          expires_at: created.expires,
          remaining: null,
        });
      }
    });

    it('answers the generic 401 for an unknown key, a typo and garbage', async () => {
      const created = await createApiKey(t, bearer(owner.accessToken), {
        name: 'typo',
        scopes: ['translate:read'],
      });
      const typo = created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A');
      for (const candidate of [typo, 'tk_live_' + 'A'.repeat(38), 'tk_live_short']) {
        const response = await verify(asKey(candidate)).expect(401);
        expect(response.body).toEqual({ detail: 'Invalid or expired token' });
      }
    });

    it('never echoes a key, or its secret part, in an error or a log line', async () => {
      const make = (name: string, extra: Record<string, unknown> = {}) =>
        createApiKey(t, bearer(owner.accessToken), { name, scopes: ['translate:read'], ...extra });
      const revoked = await make('echo-revoked');
      await request(t.http)
        .delete(`/v1/api-keys/${revoked.id}`)
        .set(bearer(owner.accessToken))
        .expect(204);
      const expired = await make('echo-expired');
      await request(t.http)
        .post(`/v1/api-keys/${expired.id}/rotate`)
        .set(bearer(owner.accessToken))
        .send({ grace_period_hours: 0 })
        .expect(201);
      const fenced = await make('echo-fenced', { allowed_ips: ['192.0.2.0/24'] });
      const valid = await make('echo-valid');
      const typo = valid.key.slice(0, -1) + (valid.key.endsWith('A') ? 'B' : 'A');
      const refusals: [string, number, Record<string, string>?][] = [
        [revoked.key, 401],
        [expired.key, 401],
        [fenced.key, 401],
        [typo, 401],
        [valid.key, 403, { 'X-Organization-ID': '00000000-0000-4000-8000-000000000000' }],
      ];
      const bodies: string[] = [];
      for (const [key, status, extra] of refusals) {
        for (const sent of [
          verify({ ...asKey(key), ...extra }),
          verify({ ...bearer(key), ...extra }),
          request(t.http)
            .get(`/v1/auth/verify?api_key=${key}`)
            .set(extra ?? {}),
        ]) {
          bodies.push(JSON.stringify((await sent.expect(status)).body));
        }
      }
      // A key pasted into a body where it does not belong: a 422 that names the field only.
      const misplaced = await request(t.http)
        .post('/v1/api-keys')
        .set(bearer(owner.accessToken))
        .send({ name: 'x', scopes: ['translate:read'], key: valid.key })
        .expect(422);
      bodies.push(JSON.stringify(misplaced.body));
      const logs = t.logs.lines.join('\n');
      for (const key of [revoked.key, expired.key, fenced.key, valid.key, typo]) {
        const secretPart = key.slice('tk_live_'.length);
        for (const body of bodies) expect(body).not.toContain(secretPart);
        expect(logs).not.toContain(secretPart);
      }
    });

    it('enforces scopes per method on the example resources', async () => {
      const reader = await createApiKey(t, bearer(owner.accessToken), {
        name: 'reader',
        scopes: ['translate:read', 'models:read'],
        environment: 'test',
      });
      const denied = await request(t.http)
        .post('/v1/translate')
        .set(asKey(reader.key))
        .send({ text: 'Hi', target_language: 'de' })
        .expect(403);
      expect(denied.body).toEqual({
        detail: 'Missing scope: translate:write',
        code: 'missing_scope',
      });
      await request(t.http).get('/v1/translate/tr_1').set(asKey(reader.key)).expect(200);
      await request(t.http).get('/v1/models').set(asKey(reader.key)).expect(200);
      await request(t.http)
        .get('/v1/models/tessera-mt-small/download')
        .set(asKey(reader.key))
        .expect(403, {
          detail: 'Missing scope: models:download',
          code: 'missing_scope',
        });
      await request(t.http)
        .post('/v1/documents')
        .set(asKey(reader.key))
        .send({ name: 'a.txt' })
        .expect(403);

      const writer = await createApiKey(t, bearer(owner.accessToken), {
        name: 'writer',
        scopes: ['translate:*'],
        environment: 'test',
      });
      const translated = await request(t.http)
        .post('/v1/translate')
        .set(asKey(writer.key))
        .send({ text: 'Hi', target_language: 'de' })
        .expect(201);
      expect(translated.body).toEqual(
        expect.objectContaining({ translated_text: '[de] Hi', environment: 'test' }),
      );
      const live = await createApiKey(t, bearer(owner.accessToken), {
        name: 'live',
        scopes: ['translate:write'],
      });
      const liveCall = await request(t.http)
        .post('/v1/translate')
        .set(asKey(live.key))
        .send({ text: 'Hi', target_language: 'fr' })
        .expect(201);
      expect(liveCall.body.environment).toBe('live');
    });

    it('refuses an address outside allowed_ips and accepts a CIDR containing 127.0.0.1', async () => {
      const outside = await createApiKey(t, bearer(owner.accessToken), {
        name: 'outside',
        scopes: ['translate:read'],
        allowed_ips: ['203.0.113.0/24', '2001:db8::/32'],
      });
      const refused = await verify(asKey(outside.key)).expect(401);
      expect(refused.body).toEqual({ detail: 'IP address not allowed', code: 'api_key_refused' });
      const inside = await createApiKey(t, bearer(owner.accessToken), {
        name: 'inside',
        scopes: ['translate:read'],
        allowed_ips: ['127.0.0.0/8'],
      });
      await verify(asKey(inside.key)).expect(200);

      // Narrowing allowed_ips applies on the very next request, even though the key is cached.
      await request(t.http)
        .patch(`/v1/api-keys/${inside.id}`)
        .set(bearer(owner.accessToken))
        .send({ allowed_ips: ['198.51.100.7'] })
        .expect(200);
      await verify(asKey(inside.key)).expect(401);
    });

    it('does not honour X-Forwarded-For unless TRUST_PROXY says so', async () => {
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'xff',
        scopes: ['translate:read'],
        allowed_ips: ['203.0.113.9'],
      });
      await verify({ ...asKey(key.key), 'X-Forwarded-For': '203.0.113.9' }).expect(401);
      await withTestApp({ TRUST_PROXY: 'true' }, async (proxied) => {
        const user = await createUser(proxied, 'proxied');
        const behindProxy = await createApiKey(proxied, bearer(user.accessToken), {
          name: 'xff',
          scopes: ['translate:read'],
          allowed_ips: ['203.0.113.9'],
        });
        await request(proxied.http)
          .get('/v1/auth/verify')
          .set({ ...asKey(behindProxy.key), 'X-Forwarded-For': '203.0.113.9' })
          .expect(200);
        await request(proxied.http)
          .get('/v1/auth/verify')
          .set({ ...asKey(behindProxy.key), 'X-Forwarded-For': '203.0.113.10' })
          .expect(401);
        // Some proxies append the client's port: it is the same client.
        await request(proxied.http)
          .get('/v1/auth/verify')
          .set({ ...asKey(behindProxy.key), 'X-Forwarded-For': '203.0.113.9:51234' })
          .expect(200);
        const usage = await usageOf(proxied, behindProxy.id, bearer(user.accessToken));
        expect(usage.last_ip).toBe('203.0.113.9');
      });
    });

    it('refuses a key sent with another organization in X-Organization-ID', async () => {
      const other = await createUser(t, 'other-org');
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'org',
        scopes: ['translate:read'],
      });
      await verify({ ...asKey(key.key), 'X-Organization-ID': owner.organizationId }).expect(200);
      await verify({ ...asKey(key.key), 'X-Organization-ID': other.organizationId }).expect(403);
    });

    it('does not query the database for a cached valid key', async () => {
      // An app of its own with its periodic jobs stopped and its audit writes drained: any SQL
      // in the measured window is then the requests' own.
      await withTestApp({}, async (quiet) => {
        quiet.app.get(BackgroundJobs).onModuleDestroy();
        const user = await createUser(quiet, 'cached');
        const verifyHere = (headers: Record<string, string>) =>
          request(quiet.http).get('/v1/auth/verify').set(headers);
        const key = await createApiKey(quiet, bearer(user.accessToken), {
          name: 'cached',
          scopes: ['translate:read'],
        });
        await verifyHere(asKey(key.key)).expect(200); // first use: strategy + database, then cached
        await quiet.app.get(AuditWriter).drain();
        const cachedQueries = await queriesDuring(quiet, async () => {
          for (let i = 0; i < 5; i++) await verifyHere(asKey(key.key)).expect(200);
          await request(quiet.http).get('/v1/translate/tr_1').set(asKey(key.key)).expect(200);
        });
        expect(cachedQueries).toEqual([]);
        // The counter works: an uncached key does query.
        const fresh = await createApiKey(quiet, bearer(user.accessToken), {
          name: 'fresh',
          scopes: ['translate:read'],
        });
        const freshQueries = await queriesDuring(quiet, () =>
          verifyHere(asKey(fresh.key)).expect(200),
        );
        expect(freshQueries).not.toEqual([]);
      });
    });
  });

  describe('revoke, rotate, update', () => {
    it('revokes at once, on the very next request', async () => {
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'doomed',
        scopes: ['translate:read'],
      });
      await verify(asKey(key.key)).expect(200);
      await request(t.http)
        .delete(`/v1/api-keys/${key.id}`)
        .set(bearer(owner.accessToken))
        .expect(204);
      const refused = await verify(asKey(key.key)).expect(401);
      expect(refused.body).toEqual({ detail: 'API key revoked', code: 'api_key_refused' });
      const shown = await request(t.http)
        .get(`/v1/api-keys/${key.id}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(shown.body).toEqual(
        expect.objectContaining({ status: 'revoked', revoked_at: expect.any(String) }),
      );
    });

    it('rotates: both keys work, and the old one expires after the grace period', async () => {
      const old = await createApiKey(t, bearer(owner.accessToken), {
        name: 'rotating',
        scopes: ['translate:read'],
        rate_limit_per_hour: 500,
        allowed_ips: ['127.0.0.1'],
      });
      const untilRotated = await verify(asKey(old.key)).expect(200);
      expect(untilRotated.body.expires_at).toBeNull();
      const before = Date.now();
      const rotated = await request(t.http)
        .post(`/v1/api-keys/${old.id}/rotate`)
        .set(bearer(owner.accessToken))
        .send({ grace_period_hours: 2 })
        .expect(201);
      expect(rotated.body).toEqual(
        expect.objectContaining({
          key: expect.stringMatching(KEY_FORMAT),
          name: 'rotating',
          scopes: ['translate:read'],
          rate_limit_per_hour: 500,
          allowed_ips: ['127.0.0.1'],
          rotated_from: { id: old.id, expires: expect.any(String) },
        }),
      );
      expect(rotated.body.id).not.toBe(old.id);
      await verify(asKey(old.key)).expect(200);
      await verify(asKey(rotated.body.key)).expect(200);
      const oldNow = await request(t.http)
        .get(`/v1/api-keys/${old.id}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      // Its verify answer shows the new expiry at once (the answer is kept per cached key).
      const afterRotation = await verify(asKey(old.key))
        .expect(200)
        .expect('content-type', 'application/json; charset=utf-8');
      expect(afterRotation.body.expires_at).toBe(oldNow.body.expires);
      const graceMs = Date.parse(oldNow.body.expires) - before;
      expect(graceMs).toBeGreaterThan(2 * 3_600_000 - 60_000);
      expect(graceMs).toBeLessThanOrEqual(2 * 3_600_000 + 60_000);
    });

    it('with no grace period, the old key stops at once as expired', async () => {
      const old = await createApiKey(t, bearer(owner.accessToken), {
        name: 'now',
        scopes: ['translate:read'],
      });
      await verify(asKey(old.key)).expect(200);
      await request(t.http)
        .post(`/v1/api-keys/${old.id}/rotate`)
        .set(bearer(owner.accessToken))
        .send({ grace_period_hours: 0 })
        .expect(201);
      expect((await verify(asKey(old.key)).expect(401)).body.detail).toBe('API key expired');
      const expired = await request(t.http)
        .get('/v1/api-keys?status=expired&limit=100')
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(expired.body.data.map((k: { id: string }) => k.id)).toContain(old.id);
    });

    it('rotates with a grace period of 24 hours when none is given', async () => {
      const old = await createApiKey(t, bearer(owner.accessToken), {
        name: 'default-grace',
        scopes: ['translate:read'],
      });
      const before = Date.now();
      const rotated = await request(t.http)
        .post(`/v1/api-keys/${old.id}/rotate`)
        .set(bearer(owner.accessToken))
        .send({})
        .expect(201);
      const graceMs = Date.parse(rotated.body.rotated_from.expires) - before;
      expect(graceMs).toBeGreaterThan(24 * 3_600_000 - 60_000);
      expect(graceMs).toBeLessThanOrEqual(24 * 3_600_000 + 60_000);
      await verify(asKey(old.key)).expect(200);
      await verify(asKey(rotated.body.key)).expect(200);
    });

    it('updates name, allowed_ips and rate_limit_per_hour; a new allowlist applies on the next request', async () => {
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'patched',
        scopes: ['translate:read'],
      });
      await verify(asKey(key.key)).expect(200);
      const patch = (body: Record<string, unknown>) =>
        request(t.http).patch(`/v1/api-keys/${key.id}`).set(bearer(owner.accessToken)).send(body);
      const updated = await patch({
        name: 'fenced',
        rate_limit_per_hour: 250,
        allowed_ips: ['192.0.2.0/24'],
      }).expect(200);
      expect(updated.body).toEqual(
        expect.objectContaining({
          id: key.id,
          name: 'fenced',
          rate_limit_per_hour: 250,
          allowed_ips: ['192.0.2.0/24'],
          scopes: ['translate:read'],
        }),
      );
      expect(updated.body).not.toHaveProperty('key');
      const shown = await request(t.http)
        .get(`/v1/api-keys/${key.id}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(shown.body).toEqual(updated.body);
      // The cached key was dropped: the new allowlist applies on the very next request.
      expect((await verify(asKey(key.key)).expect(401)).body.detail).toBe('IP address not allowed');
      await patch({ allowed_ips: [] }).expect(200);
      await verify(asKey(key.key)).expect(200);
      for (const bad of [
        { rate_limit_per_hour: 9 },
        { rate_limit_per_hour: 100_001 },
        { key: 'x' },
      ])
        await patch(bad).expect(422);
      const badIp = await patch({ allowed_ips: ['10.0.0.1', '300.1.1.1'] }).expect(422);
      expect(badIp.body.detail).toEqual([
        expect.objectContaining({
          loc: ['body', 'allowed_ips', 1],
          type: 'value_error.ip_network',
        }),
      ]);
      const unchanged = await request(t.http)
        .get(`/v1/api-keys/${key.id}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(unchanged.body).toEqual(
        expect.objectContaining({ rate_limit_per_hour: 250, allowed_ips: [] }),
      );
    });

    it('narrows scopes but never widens them', async () => {
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'narrow',
        scopes: ['translate:read', 'translate:write'],
      });
      await request(t.http)
        .post('/v1/translate')
        .set(asKey(key.key))
        .send({ text: 'a', target_language: 'de' })
        .expect(201);
      const scopesVerified = async () => (await verify(asKey(key.key)).expect(200)).body.scopes;
      expect(await scopesVerified()).toEqual(['translate:read', 'translate:write']);
      const narrowed = await request(t.http)
        .patch(`/v1/api-keys/${key.id}`)
        .set(bearer(owner.accessToken))
        .send({ scopes: ['translate:read'], name: 'narrowed' })
        .expect(200);
      expect(narrowed.body).toEqual(
        expect.objectContaining({ name: 'narrowed', scopes: ['translate:read'] }),
      );
      await request(t.http)
        .post('/v1/translate')
        .set(asKey(key.key))
        .send({ text: 'a', target_language: 'de' })
        .expect(403);
      // The verify answer changes with the key, on the next request.
      expect(await scopesVerified()).toEqual(['translate:read']);
      await request(t.http)
        .patch(`/v1/api-keys/${key.id}`)
        .set(bearer(owner.accessToken))
        .send({ scopes: ['translate:write'] })
        .expect(403);
    });

    it('needs a session that passed MFA when the user enrolled it', async () => {
      const user = await createUser(t, 'mfa-keys');
      const totp = await enrollTotp(t, user);
      const refused = await request(t.http)
        .post('/v1/api-keys')
        .set(bearer(user.accessToken))
        .send({ name: 'x', scopes: ['models:read'] })
        .expect(403);
      expect(refused.body.code).toBe('mfa_required');
      const login = await request(t.http)
        .post('/v1/auth/login')
        .send({
          email: user.email,
          password: user.password,
          mfa_code: totp.generate({ timestamp: Date.now() + 30_000 }),
        })
        .expect(200);
      const passed = bearer(login.body.access_token);
      const key = await createApiKey(t, passed, { name: 'x', scopes: ['models:read'] });
      // Rotating and revoking need it too; only the session that passed MFA may.
      const rotateRefused = await request(t.http)
        .post(`/v1/api-keys/${key.id}/rotate`)
        .set(bearer(user.accessToken))
        .send({})
        .expect(403);
      expect(rotateRefused.body.code).toBe('mfa_required');
      const revokeRefused = await request(t.http)
        .delete(`/v1/api-keys/${key.id}`)
        .set(bearer(user.accessToken))
        .expect(403);
      expect(revokeRefused.body.code).toBe('mfa_required');
      await verify(asKey(key.key)).expect(200);
      const rotated = await request(t.http)
        .post(`/v1/api-keys/${key.id}/rotate`)
        .set(passed)
        .send({})
        .expect(201);
      await request(t.http).delete(`/v1/api-keys/${rotated.body.id}`).set(passed).expect(204);
      await verify(asKey(rotated.body.key)).expect(401);
    });
  });

  describe('lists, usage and tenants', () => {
    it('pages newest first with has_more and starting_after, and filters', async () => {
      const user = await createUser(t, 'pager');
      const ids: string[] = [];
      for (const environment of ['live', 'test', 'live']) {
        ids.push(
          (
            await createApiKey(t, bearer(user.accessToken), {
              name: `k-${environment}`,
              scopes: ['models:read'],
              environment,
            })
          ).id,
        );
      }
      const first = await request(t.http)
        .get('/v1/api-keys?limit=2')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(first.body.data.map((k: { id: string }) => k.id)).toEqual([ids[2], ids[1]]);
      expect(first.body.has_more).toBe(true);
      expect(Object.keys(first.body.data[0]).sort()).toEqual(
        expect.arrayContaining([
          'id',
          'name',
          'start',
          'environment',
          'scopes',
          'created',
          'expires',
          'last_used',
          'revoked_at',
          'status',
        ]),
      );
      const second = await request(t.http)
        .get(`/v1/api-keys?limit=2&starting_after=${ids[1]}`)
        .set(bearer(user.accessToken))
        .expect(200);
      expect(second.body).toEqual({
        data: [expect.objectContaining({ id: ids[0] })],
        has_more: false,
      });
      const tests = await request(t.http)
        .get('/v1/api-keys?environment=test')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(tests.body.data.map((k: { id: string }) => k.id)).toEqual([ids[1]]);
      await request(t.http)
        .get('/v1/api-keys?status=weird')
        .set(bearer(user.accessToken))
        .expect(422);
    });

    it('reports usage per hour with rejections, last_used and last_ip', async () => {
      await awayFromWindowEdge(3_600_000, 20_000); // all of it in one hour
      const startedAt = Date.now();
      const hourStart = startedAt - (startedAt % 3_600_000);
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'usage',
        scopes: ['translate:read'],
      });
      for (let i = 0; i < 3; i++) await verify(asKey(key.key)).expect(200);
      await request(t.http)
        .post('/v1/translate')
        .set(asKey(key.key))
        .send({ text: 'a', target_language: 'de' })
        .expect(403);
      await request(t.http)
        .patch(`/v1/api-keys/${key.id}`)
        .set(bearer(owner.accessToken))
        .send({ allowed_ips: ['203.0.113.1'] })
        .expect(200);
      await verify(asKey(key.key)).expect(401);
      const usage = await usageOf(t, key.id, bearer(owner.accessToken));
      expect(usage.data).toEqual([
        {
          period_start: expect.stringMatching(/:00:00\.000Z$/),
          requests: 4,
          rejected: 1,
          failed: 0,
        },
      ]);
      expect(usage.last_used).toEqual(expect.any(String));
      expect(usage.last_ip).toMatch(/127\.0\.0\.1/);
      // Counted again after that write: added to the hour's row, not written over it.
      await verify(asKey(key.key)).expect(401);
      const again = await usageOf(t, key.id, bearer(owner.accessToken));
      expect(again.data).toEqual([
        {
          period_start: expect.stringMatching(/:00:00\.000Z$/),
          requests: 4,
          rejected: 2,
          failed: 0,
        },
      ]);
      const daily = await usageOf(t, key.id, bearer(owner.accessToken), 'granularity=day');
      expect(daily.data).toEqual([
        {
          period_start: expect.stringMatching(/T00:00:00\.000Z$/),
          requests: 4,
          rejected: 2,
          failed: 0,
        },
      ]);

      const usageWithin = async (query: string) =>
        (await usageOf(t, key.id, bearer(owner.accessToken), query)).data;
      const iso = (ms: number) => new Date(ms).toISOString();
      // An earlier hour's usage, as the recorder would have flushed it three hours ago.
      await t.app
        .get(DataSource)
        .getRepository(ApiKeyUsage)
        .insert({
          keyId: key.id,
          organizationId: owner.organizationId,
          periodStart: new Date(hourStart - 3 * 3_600_000),
          requests: 7,
          rejected: 2,
        });
      expect(await usageWithin('')).toEqual([
        { period_start: iso(hourStart - 3 * 3_600_000), requests: 7, rejected: 2, failed: 0 },
        { period_start: iso(hourStart), requests: 4, rejected: 2, failed: 0 },
      ]);
      expect(await usageWithin(`since=${iso(hourStart)}`)).toEqual([
        { period_start: iso(hourStart), requests: 4, rejected: 2, failed: 0 },
      ]);
      expect(
        await usageWithin(`since=${iso(hourStart - 4 * 3_600_000)}&until=${iso(hourStart - 1)}`),
      ).toEqual([
        { period_start: iso(hourStart - 3 * 3_600_000), requests: 7, rejected: 2, failed: 0 },
      ]);
      expect(await usageWithin(`until=${iso(hourStart - 4 * 3_600_000)}`)).toEqual([]);
      const invalid = (query: string) =>
        request(t.http).get(`/v1/api-keys/${key.id}/usage?${query}`).set(bearer(owner.accessToken));
      await invalid('since=yesterday').expect(422);
      // Valid ISO 8601 that Date reads as Invalid Date (or, an ordinal date, as another day).
      for (const value of ['2020-W01', '20200101', '2020-01-01T10', '2020-010']) {
        await invalid(`since=${value}`).expect(422);
        await invalid(`until=${value}`).expect(422);
      }
      await invalid('granularity=week').expect(422);
      await invalid(`since=${iso(hourStart)}&until=${iso(hourStart - 3_600_000)}`).expect(400);
    });

    it('keeps the usage it could not write and writes it once the database is back', async () => {
      // Usage is written only when the test flushes it.
      await withTestApp({ API_KEY_USAGE_FLUSH_MS: '600000' }, async (own) => {
        const user = await createUser(own, 'usage-retry');
        const key = await createApiKey(own, bearer(user.accessToken), {
          name: 'retry',
          scopes: ['translate:read'],
        });
        await awayFromWindowEdge(3_600_000, 20_000); // all of it in one hour
        for (let i = 0; i < 3; i++) {
          await request(own.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
        }
        const dataSource = own.app.get(DataSource);
        await dataSource.destroy();
        await own.app.get(ApiKeyUsageRecorder).flush(); // fails: nothing written, all kept
        expect(own.logs.entries()).toContainEqual(
          expect.objectContaining({ msg: 'Could not write API key usage; will retry' }),
        );
        await dataSource.initialize();
        await request(own.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
        const usage = await usageOf(own, key.id, bearer(user.accessToken));
        expect(usage.data).toEqual([
          {
            period_start: expect.stringMatching(/:00:00\.000Z$/),
            requests: 4,
            rejected: 0,
            failed: 0,
          },
        ]);
        expect(usage.last_ip).toMatch(/127\.0\.0\.1/);
      });
    });

    it('writes a batch whose transaction failed midway exactly once, on the next flush', async () => {
      await awayFromWindowEdge(3_600_000, 20_000); // all of it in one hour
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'midway',
        scopes: ['translate:read'],
      });
      for (let i = 0; i < 3; i++) await verify(asKey(key.key)).expect(200);
      // The key's audit event is stored first: its INSERT is not one of the flush's statements.
      await t.app.get(AuditWriter).drain();
      const query = EntityManager.prototype.query;
      // The hour counts are written, then the last-use update fails: the transaction rolls back.
      const failing = jest.spyOn(EntityManager.prototype, 'query').mockImplementation(function (
        this: EntityManager,
        ...call: Parameters<typeof query>
      ) {
        if (call[0].startsWith('UPDATE')) return Promise.reject(new Error('connection lost'));
        return query.apply(this, call);
      });
      let statements: string[];
      try {
        await t.app.get(ApiKeyUsageRecorder).flush();
      } finally {
        statements = failing.mock.calls.map(([sql]) => sql);
        failing.mockRestore();
      }
      // Which of the keys still exist is read first; then the two writes, the second failing.
      expect(statements).toEqual([
        expect.stringMatching(/^SELECT .* FROM .api_keys. WHERE/),
        expect.stringMatching(/^INSERT INTO/),
        expect.stringMatching(/^UPDATE/),
      ]);
      const usage = await usageOf(t, key.id, bearer(owner.accessToken));
      expect(usage.data).toEqual([
        {
          period_start: expect.stringMatching(/:00:00\.000Z$/),
          requests: 3,
          rejected: 0,
          failed: 0,
        },
      ]);
    });

    it('writes the other keys’ usage when a key was deleted from the table by hand', async () => {
      const kept = await createApiKey(t, bearer(owner.accessToken), {
        name: 'kept',
        scopes: ['translate:read'],
      });
      const deleted = await createApiKey(t, bearer(owner.accessToken), {
        name: 'deleted',
        scopes: ['translate:read'],
      });
      await verify(asKey(deleted.key)).expect(200);
      await verify(asKey(kept.key)).expect(200);
      // As an operator might in SQL: its counts, still in memory, no longer have a key to go with.
      await t.app.get(DataSource).getRepository(ApiKey).delete({ id: deleted.id });
      const warningsBefore = t.logs.entries().filter((entry) => entry.level === 40).length;
      await t.app.get(ApiKeyUsageRecorder).flush();
      expect(t.logs.entries().filter((entry) => entry.level === 40)).toHaveLength(warningsBefore);
      const usage = await usageOf(t, kept.id, bearer(owner.accessToken));
      expect(usage.data).toEqual([expect.objectContaining({ requests: 1 })]);
    });

    it('never moves a key’s last use backwards (another instance may have written a later one)', async () => {
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'last-use',
        scopes: ['translate:read'],
      });
      const repository = t.app.get(ApiKeysRepository);
      const lastUse = async () => {
        const usage = await usageOf(t, key.id, bearer(owner.accessToken));
        return { at: usage.last_used, ip: usage.last_ip };
      };
      const now = Date.now();
      const use = (secondsAgo: number, ip: string) => ({
        keyId: key.id,
        at: new Date(now - secondsAgo * 1000),
        ip,
      });
      await repository.writeUsage([], [use(10, '198.51.100.10')]);
      await repository.writeUsage([], [use(20, '198.51.100.20')]); // an older use, written late
      expect(await lastUse()).toEqual({
        at: new Date(now - 10_000).toISOString(),
        ip: '198.51.100.10',
      });
      await repository.writeUsage([], [use(5, '198.51.100.5')]);
      expect(await lastUse()).toEqual({
        at: new Date(now - 5_000).toISOString(),
        ip: '198.51.100.5',
      });
    });

    it('never lets another organization read, change, rotate or revoke a key', async () => {
      const key = await createApiKey(t, bearer(owner.accessToken), {
        name: 'private',
        scopes: ['translate:read'],
      });
      const intruder = await createUser(t, 'intruder');
      const as = bearer(intruder.accessToken);
      await request(t.http)
        .get(`/v1/api-keys/${key.id}`)
        .set(as)
        .expect(404, { detail: 'API key not found' });
      await request(t.http)
        .patch(`/v1/api-keys/${key.id}`)
        .set(as)
        .send({ name: 'mine' })
        .expect(404);
      await request(t.http).post(`/v1/api-keys/${key.id}/rotate`).set(as).send({}).expect(404);
      await request(t.http).delete(`/v1/api-keys/${key.id}`).set(as).expect(404);
      await request(t.http).get(`/v1/api-keys/${key.id}/usage`).set(as).expect(404);
      const list = await request(t.http).get('/v1/api-keys').set(as).expect(200);
      expect(list.body.data).toEqual([]);
      const intruderKey = await createApiKey(t, as, { name: 'theirs', access: 'admin' });
      await request(t.http)
        .delete(`/v1/api-keys/${key.id}`)
        .set(asKey(intruderKey.key))
        .expect(404);
      await request(t.http)
        .get(`/v1/api-keys/${key.id}`)
        .set({ ...as, 'X-Organization-ID': owner.organizationId })
        .expect(403);
      await verify(asKey(key.key)).expect(200);
    });

    it('lets the instance administrator manage any organization’s keys with X-Organization-ID', async () => {
      const admin = { ...bearer(TEST_ADMIN_TOKEN), 'X-Organization-ID': owner.organizationId };
      const key = await createApiKey(t, admin, { name: 'by-admin', scopes: ['models:read'] });
      const list = await request(t.http)
        .get('/v1/api-keys?limit=100')
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(list.body.data.map((k: { id: string }) => k.id)).toContain(key.id);
      await request(t.http).delete(`/v1/api-keys/${key.id}`).set(admin).expect(204);
      await request(t.http).get('/v1/api-keys').set(bearer(TEST_ADMIN_TOKEN)).expect(400);
    });
  });

  it('can switch the ?api_key= transport off', async () => {
    await withTestApp({ API_KEY_QUERY_PARAM_ENABLED: 'false' }, async (strict) => {
      const user = await createUser(strict, 'strict');
      const key = await createApiKey(strict, bearer(user.accessToken), {
        name: 'q',
        scopes: ['models:read'],
      });
      await request(strict.http).get(`/v1/auth/verify?api_key=${key.key}`).expect(401);
      await request(strict.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    });
  });
});

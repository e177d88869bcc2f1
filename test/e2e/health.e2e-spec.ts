import request from 'supertest';
import { asKey, bearer, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { createUser } from '../utils/factories';
import { DataSource as DataSourceToken } from 'typeorm';
import { AUDIT_ACTIONS } from '../../src/modules/audit/audit-actions';
import { AuditRecorder } from '../../src/modules/audit/audit-recorder.service';
import { AuditWriter } from '../../src/modules/audit/audit-writer';

/** Polls `condition` every 20 ms, for at most 5 s. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 5000) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  it('reports the database up and Redis disabled', async () => {
    const response = await request(t.http).get('/v1/health').expect(200);
    expect(response.body).toEqual({
      status: 'ok',
      database: 'up',
      redis: 'disabled',
      audit_events_set_aside: 0,
    });
  });

  it('echoes the caller’s X-Request-Id and makes one otherwise', async () => {
    const echoed = await request(t.http)
      .get('/v1/health')
      .set('X-Request-Id', 'trace-abc-123')
      .expect(200);
    expect(echoed.headers['x-request-id']).toBe('trace-abc-123');
    const fresh = await request(t.http).get('/v1/health').expect(200);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends the API security headers, also on errors: nothing cached, framed or sniffed', async () => {
    for (const response of [
      await request(t.http).get('/v1/health').expect(200),
      await request(t.http).get('/v1/auth/verify').expect(401),
    ]) {
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['strict-transport-security']).toContain('max-age=');
      expect(response.headers['content-security-policy']).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
    }
  });

  it('serves Swagger UI at /docs (with a CSP that lets it run) and /openapi.json', async () => {
    const page = await request(t.http).get('/docs').expect(200).expect('content-type', /html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const document = await request(t.http).get('/openapi.json').expect(200);
    expect(document.body.openapi).toMatch(/^3\./);
    expect(Object.keys(document.body.components.securitySchemes)).toEqual(
      expect.arrayContaining(['bearer', 'api_key', 'api_key_query', 'oauth2']),
    );
  });

  it('answers 503 with the contract shape when the database is down', async () => {
    const down = await createTestApp();
    try {
      const owner = await createUser(down, 'down');
      const neverVerified = await createApiKey(down, bearer(owner.accessToken), {
        name: 'uncached',
        scopes: ['translate:read'],
      });
      await down.app.get(DataSourceToken).destroy();
      // An audit event written while the database is away is kept and retried, never set aside.
      down.app.get(AuditRecorder).record(AUDIT_ACTIONS.apiKeyUpdated, {
        organizationId: owner.organizationId,
      });
      await waitFor(() =>
        down.logs.entries().some((entry) => /Audit write failed/.test(String(entry.msg))),
      );
      const response = await request(down.http).get('/v1/health').expect(503);
      expect(response.body).toEqual({
        status: 'degraded',
        database: 'down',
        redis: 'disabled',
        audit_events_set_aside: 0,
      });
      const login = await request(down.http)
        .post('/v1/auth/login')
        .send({ email: 'someone@example.test', password: 'whatever-password' })
        .expect(503);
      expect(login.body).toEqual({ detail: 'Service unavailable' });
      // The verify route is answered outside Nest's router; its errors still reach the filter.
      const verify = await request(down.http)
        .get('/v1/auth/verify')
        .set(asKey(neverVerified.key))
        .expect(503);
      expect(verify.body).toEqual({ detail: 'Service unavailable' });
      // Back up: the event kept meanwhile is stored.
      await down.app.get(DataSourceToken).initialize();
      await down.app.get(AuditWriter).drain();
      // Health answers from a check at most a second old.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const back = await request(down.http).get('/v1/health').expect(200);
      expect(back.body).toEqual(expect.objectContaining({ audit_events_set_aside: 0 }));
      const stored = await request(down.http)
        .get('/v1/audit-logs?action=api_key.updated')
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(stored.body.data).toHaveLength(1);
    } finally {
      await down.app.close().catch(() => undefined);
    }
  });
});

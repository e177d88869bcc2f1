import { createHmac, randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { MasterKeyService } from '../../src/common/crypto/master-key';
import { AuditRepository } from '../../src/modules/audit/audit.repository';
import { prefixedId } from '../../src/common/ids';
import { eventHash, GENESIS_HASH } from '../../src/modules/audit/audit-chain';
import { AuditCheckpoint } from '../../src/modules/audit/audit-checkpoint.entity';
import { AuditEvent } from '../../src/modules/audit/audit-event.entity';
import {
  AuditWriter,
  chainedFields,
  PendingAuditEvent,
} from '../../src/modules/audit/audit-writer';
import { AuditLogReader } from '../../src/modules/audit/audit-log-reader.service';
import { AUDIT_ACTIONS } from '../../src/modules/audit/audit-actions';
import { AuditRecorder } from '../../src/modules/audit/audit-recorder.service';
import { asKey, createApiKey } from '../utils/api-keys';
import { twoInstances } from '../utils/cluster';
import { addMember } from '../utils/teams';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, login, TestUser } from '../utils/factories';
import { ownDatabase } from '../utils/own-database';
import { testDatabaseUrl } from '../utils/test-env';

interface Event {
  id: string;
  seq: number;
  action: string;
  outcome: string;
  organization_id: string;
  request_id: string | null;
  actor: { type: string; id: string | null; ip: string | null; user_agent: string | null };
  target: { type: string | null; id: string | null };
  metadata: Record<string, unknown>;
}

/** The actor of an event a user caused from this machine, with the user agent it sent. */
const userActor = (user: TestUser, userAgent: string) => ({
  type: 'user',
  id: user.userId,
  ip: expect.stringMatching(/127\.0\.0\.1/),
  user_agent: userAgent,
});

/** An event as the writer queues it, past AuditRecorder (which fits every field to its column). */
const rawEvent = (
  organizationId: string,
  targetId: string,
  occurredAt = new Date(),
): PendingAuditEvent => ({
  id: prefixedId('evt'),
  chain: organizationId,
  occurredAt,
  organizationId,
  actorType: 'system',
  actorId: null,
  actorIp: null,
  actorUserAgent: null,
  action: AUDIT_ACTIONS.apiKeyUpdated,
  targetType: 'api_key',
  targetId,
  outcome: 'success',
  requestId: null,
  metadata: '{}',
});

describe('audit log', () => {
  let t: TestApp;
  let owner: TestUser;
  beforeAll(async () => {
    // Of its own: retention, from a year ahead, prunes every organization's chain it holds.
    t = await createTestApp(ownDatabase('audit_log'));
    owner = await createUser(t, 'audited');
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const events = async (user: TestUser, query = ''): Promise<Event[]> =>
    (
      await request(t.http)
        .get(`/v1/audit-logs?limit=100${query}`)
        .set(bearer(user.accessToken))
        .expect(200)
    ).body.data;

  it('records a failed login with the actor, IP, outcome and request id', async () => {
    await request(t.http)
      .post('/v1/auth/login')
      .set({ 'X-Request-Id': 'failed-login-1', 'User-Agent': 'audit-test/1.0' })
      .send({ email: owner.email, password: 'wrong-password' })
      .expect(401);
    const [event] = await events(owner, '&action=auth.login.failed');
    expect(event).toEqual(
      expect.objectContaining({
        action: 'auth.login.failed',
        outcome: 'failure',
        organization_id: owner.organizationId,
        request_id: 'failed-login-1',
        actor: userActor(owner, 'audit-test/1.0'),
        metadata: { email: owner.email, reason: 'wrong_password' },
      }),
    );
  });

  it('422s a since or until Date cannot read as written, on SQLite and MariaDB alike', async () => {
    // Week dates, the basic format and an hour alone passed IsISO8601 and became an Invalid Date:
    // SQLite then matched every event and MariaDB none. An ordinal date was read as another day.
    for (const value of ['2020-W01', '20200101', '2020-01-01T10', '2020-010']) {
      for (const field of ['since', 'until']) {
        const response = await request(t.http)
          .get(`/v1/audit-logs?${field}=${value}`)
          .set(bearer(owner.accessToken))
          .expect(422);
        expect(response.body.detail).toEqual([
          expect.objectContaining({ loc: ['query', field], type: 'type_error.datetime' }),
        ]);
      }
    }
    await request(t.http)
      .get('/v1/audit-logs?since=2020-01-01&until=2999-12-31T23:59:59.999Z')
      .set(bearer(owner.accessToken))
      .expect(200);
  });

  it('records an API key created and revoked, by whom', async () => {
    const key = await createApiKey(
      t,
      { ...bearer(owner.accessToken), 'X-Request-Id': 'create-key-1' },
      { name: 'audited', scopes: ['translate:read'] },
    );
    await request(t.http)
      .delete(`/v1/api-keys/${key.id}`)
      .set({
        ...bearer(owner.accessToken),
        'X-Request-Id': 'revoke-key-1',
        'User-Agent': 'key-admin/1.0',
      })
      .expect(204);
    const log = await events(owner, `&target_id=${key.id}`);
    expect(log.map((e) => e.action)).toEqual(['api_key.revoked', 'api_key.created']);
    expect(log[1]).toEqual(
      expect.objectContaining({
        outcome: 'success',
        request_id: 'create-key-1',
        actor: expect.objectContaining({
          type: 'user',
          id: owner.userId,
          ip: expect.stringMatching(/127\.0\.0\.1/),
        }),
        target: { type: 'api_key', id: key.id },
        metadata: expect.objectContaining({ name: 'audited', scopes: ['translate:read'] }),
      }),
    );
    expect(log[0]).toEqual(
      expect.objectContaining({
        action: 'api_key.revoked',
        outcome: 'success',
        organization_id: owner.organizationId,
        request_id: 'revoke-key-1',
        actor: userActor(owner, 'key-admin/1.0'),
        target: { type: 'api_key', id: key.id },
        metadata: { name: 'audited', start: key.start },
      }),
    );
    for (const event of log) expect(JSON.stringify(event)).not.toContain(key.key.slice(8));
    // Refusals of the revoked key are recorded, sampled: one event for many attempts.
    for (let i = 0; i < 5; i++)
      await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(401);
    const refused = await events(
      owner,
      `&action=api_key.authentication_refused&target_id=${key.id}`,
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]).toEqual(
      expect.objectContaining({
        outcome: 'failure',
        actor: expect.objectContaining({ type: 'api_key', id: key.id }),
      }),
    );
  });

  it('records a member role change', async () => {
    const member = await createUser(t, 'promoted');
    await request(t.http)
      .post(`/v1/organizations/${owner.organizationId}/members`)
      .set(bearer(owner.accessToken))
      .send({ email: member.email, role: 'viewer' })
      .expect(201);
    await request(t.http)
      .patch(`/v1/organizations/${owner.organizationId}/members/${member.userId}`)
      .set({
        ...bearer(owner.accessToken),
        'X-Request-Id': 'role-change-1',
        'User-Agent': 'role-admin/2.0',
      })
      .send({ role: 'admin' })
      .expect(200);
    const [event] = await events(owner, '&action=organization.member.role_changed');
    expect(event).toEqual(
      expect.objectContaining({
        outcome: 'success',
        organization_id: owner.organizationId,
        request_id: 'role-change-1',
        actor: userActor(owner, 'role-admin/2.0'),
        target: { type: 'user', id: member.userId },
        metadata: { from: 'viewer', to: 'admin' },
      }),
    );
  });

  it('records a denied scope', async () => {
    const key = await createApiKey(t, bearer(owner.accessToken), {
      name: 'reader',
      scopes: ['translate:read'],
    });
    await request(t.http)
      .post('/v1/translate')
      .set({ ...asKey(key.key), 'X-Request-Id': 'denied-scope-1' })
      .send({ text: 'hi', target_language: 'de' })
      .expect(403);
    const [event] = await events(owner, '&action=authorization.denied&outcome=denied');
    expect(event).toEqual(
      expect.objectContaining({
        request_id: 'denied-scope-1',
        actor: expect.objectContaining({
          type: 'api_key',
          id: key.id,
          ip: expect.stringMatching(/127\.0\.0\.1/),
        }),
        metadata: expect.objectContaining({
          missing_scope: 'translate:write',
          route: 'POST /v1/translate',
        }),
      }),
    );
  });

  it('samples denials per organization: one in A does not hide the same one in B', async () => {
    const viewer = await createUser(t, 'denied-twice');
    const [a, b] = [await createUser(t, 'owner-a'), await createUser(t, 'owner-b')];
    for (const owner of [a, b]) {
      await addMember(t, owner.organizationId, owner, viewer.email, 'viewer');
      await request(t.http)
        .post('/v1/api-keys')
        .set({ ...bearer(viewer.accessToken), 'X-Organization-ID': owner.organizationId })
        .send({ name: 'not allowed', scopes: ['models:read'] })
        .expect(403);
    }
    for (const owner of [a, b]) {
      const denied = await request(t.http)
        .get('/v1/audit-logs?action=authorization.denied')
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(denied.body.data).toEqual([
        expect.objectContaining({
          organization_id: owner.organizationId,
          actor: expect.objectContaining({ id: viewer.userId }),
          metadata: expect.objectContaining({ suppressed_in_previous_window: 0 }),
        }),
      ]);
    }
  });

  it('needs the scope compliance:read, which only roles holding audit.read carry', async () => {
    const key = await createApiKey(t, bearer(owner.accessToken), {
      name: 'no-compliance',
      scopes: ['translate:read', 'organizations:read'],
    });
    for (const path of ['/v1/audit-logs', '/v1/audit-logs/export', '/v1/audit-logs/verify']) {
      const refused = await request(t.http).get(path).set(asKey(key.key)).expect(403);
      expect(refused.body).toEqual(
        expect.objectContaining({ detail: 'Missing scope: compliance:read' }),
      );
    }
    // A viewer's role lacks audit.read, and so the scope that stands for it.
    const viewer = await createUser(t, 'audit-viewer');
    await request(t.http)
      .post(`/v1/organizations/${owner.organizationId}/members`)
      .set(bearer(owner.accessToken))
      .send({ email: viewer.email, role: 'viewer' })
      .expect(201);
    const asViewer = { ...bearer(viewer.accessToken), 'X-Organization-ID': owner.organizationId };
    const denied = await request(t.http).get('/v1/audit-logs').set(asViewer).expect(403);
    expect(denied.body).toEqual(
      expect.objectContaining({ detail: 'Missing scope: compliance:read' }),
    );
  });

  it('shows a compliance:read key or an auditing user only the caller’s organization', async () => {
    const auditor = await createApiKey(t, bearer(owner.accessToken), {
      name: 'auditor',
      scopes: ['compliance:read'],
    });
    const own = await request(t.http)
      .get('/v1/audit-logs?limit=100')
      .set(asKey(auditor.key))
      .expect(200);
    expect(own.body.data.length).toBeGreaterThan(3);
    expect(own.body.data.every((e: Event) => e.organization_id === owner.organizationId)).toBe(
      true,
    );
    const stranger = await createUser(t, 'stranger');
    const theirs = await events(stranger);
    expect(theirs.every((e) => e.organization_id === stranger.organizationId)).toBe(true);
    expect(JSON.stringify(theirs)).not.toContain(owner.userId);
    await request(t.http)
      .get('/v1/audit-logs/verify')
      .set({ ...bearer(stranger.accessToken), 'X-Organization-ID': owner.organizationId })
      .expect(403);
  });

  it('pages with has_more and starting_after', async () => {
    const first = await request(t.http)
      .get('/v1/audit-logs?limit=2')
      .set(bearer(owner.accessToken))
      .expect(200);
    expect(first.body.has_more).toBe(true);
    const next = await request(t.http)
      .get(`/v1/audit-logs?limit=2&starting_after=${first.body.data[1].id}`)
      .set(bearer(owner.accessToken))
      .expect(200);
    expect(next.body.data[0].id < first.body.data[1].id).toBe(true);
  });

  it('keeps one unforked chain under 50 concurrent key creations', async () => {
    const user = await createUser(t, 'concurrent');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(t.http)
          .post('/v1/api-keys')
          .set(bearer(user.accessToken))
          .send({ name: `k${i}`, scopes: ['models:read'] })
          .expect(201),
      ),
    );
    const verify = await request(t.http)
      .get('/v1/audit-logs/verify')
      .set(bearer(user.accessToken))
      .expect(200);
    expect(verify.body).toEqual(
      expect.objectContaining({ valid: true, events_checked: expect.any(Number) }),
    );
    expect(verify.body.anchor.seq).toBe(verify.body.events_checked);
    expect(verify.body.events_checked).toBeGreaterThanOrEqual(52); // registered, logged in, 50 keys
    const created = await events(user, '&action=api_key.created');
    expect(created).toHaveLength(50);
  });

  it('reports the first event edited in the database', async () => {
    const user = await createUser(t, 'tampered');
    for (let i = 0; i < 3; i++)
      await createApiKey(t, bearer(user.accessToken), { name: `k${i}`, scopes: ['models:read'] });
    expect(
      (await request(t.http).get('/v1/audit-logs/verify').set(bearer(user.accessToken)).expect(200))
        .body.valid,
    ).toBe(true);
    const [victim] = await events(user, '&action=api_key.created');
    const target = (await events(user)).find((e) => e.id === victim.id)!;
    await t.app
      .get(DataSource)
      .query('UPDATE audit_events SET metadata = ? WHERE id = ?', [
        JSON.stringify({ ...target.metadata, name: 'innocent' }),
        victim.id,
      ]);
    const verify = await request(t.http)
      .get('/v1/audit-logs/verify')
      .set(bearer(user.accessToken))
      .expect(200);
    expect(verify.body).toEqual(
      expect.objectContaining({
        valid: false,
        events_checked: expect.any(Number),
        first_broken_id: victim.id,
        reason: 'chain_broken',
      }),
    );
  });

  it('reports an event whose metadata was overwritten with no JSON, and still lists and exports the log', async () => {
    const user = await createUser(t, 'garbled');
    for (let i = 0; i < 2; i++)
      await createApiKey(t, bearer(user.accessToken), { name: `k${i}`, scopes: ['models:read'] });
    const [victim] = await events(user, '&action=api_key.created');
    await t.app
      .get(DataSource)
      .query('UPDATE audit_events SET metadata = ? WHERE id = ?', ['not json', victim.id]);
    const verify = await request(t.http)
      .get('/v1/audit-logs/verify')
      .set(bearer(user.accessToken))
      .expect(200);
    expect(verify.body).toMatchObject({
      valid: false,
      first_broken_id: victim.id,
      reason: 'chain_broken',
    });
    const listed = (await events(user)).find((e) => e.id === victim.id)!;
    expect(listed.metadata).toEqual({ unreadable: true });
    const exported = await request(t.http)
      .get('/v1/audit-logs/export')
      .set(bearer(user.accessToken))
      .expect(200);
    expect(exported.text).toContain(`"id":"${victim.id}"`);
  });

  it('reports a deleted event as a break in the chain', async () => {
    const user = await createUser(t, 'deleted');
    for (let i = 0; i < 3; i++)
      await createApiKey(t, bearer(user.accessToken), { name: `k${i}`, scopes: ['models:read'] });
    const log = await events(user, '&action=api_key.created');
    await t.app.get(DataSource).query('DELETE FROM audit_events WHERE id = ?', [log[1].id]);
    const verify = await request(t.http)
      .get('/v1/audit-logs/verify')
      .set(bearer(user.accessToken))
      .expect(200);
    expect(verify.body).toEqual(
      expect.objectContaining({
        valid: false,
        events_checked: expect.any(Number),
        first_broken_id: log[0].id,
        reason: 'chain_broken',
      }),
    );
  });

  it('exports NDJSON with no key secret, password or refresh token in it', async () => {
    const user = await createUser(t, 'exported');
    const key = await createApiKey(t, bearer(user.accessToken), {
      name: 'secret-holder',
      scopes: ['translate:read'],
    });
    await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    await request(t.http)
      .post('/v1/auth/refresh')
      .send({ refresh_token: user.refreshToken })
      .expect(200);
    await request(t.http)
      .post('/v1/auth/refresh')
      .send({ refresh_token: user.refreshToken })
      .expect(401); // reuse
    await request(t.http)
      .post('/v1/auth/login')
      .send({ email: user.email, password: `${user.password}-typo` })
      .expect(401);
    // The reuse revoked that session; an auditor signs in again.
    const fresh = await login(t, user.email, user.password);
    const response = await request(t.http)
      .get('/v1/audit-logs/export')
      .set(bearer(fresh.access_token))
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done(null, text));
      })
      .expect(200)
      .expect('content-type', /application\/x-ndjson/);
    const text = response.body as string;
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
    expect(lines.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'user.registered',
        'api_key.created',
        'session.refreshed',
        'session.refresh_token_reused',
        'auth.login.failed',
      ]),
    );
    for (const secret of [
      key.key,
      user.password,
      `${user.password}-typo`,
      user.refreshToken,
      user.accessToken,
    ]) {
      expect(text).not.toContain(secret);
    }
    const listed = await request(t.http)
      .get('/v1/audit-logs?limit=100')
      .set(bearer(fresh.access_token))
      .expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(key.key);
  });

  it('does not lose an event whose write fails: it is retried until stored', async () => {
    const user = await createUser(t, 'retried');
    const repository = t.app.get(AuditRepository);
    const original = repository.appendAll.bind(repository);
    let failures = 0;
    const spy = jest.spyOn(repository, 'appendAll').mockImplementation(async (batch, anchor) => {
      if (batch.some((event) => event.action === 'api_key.created') && failures < 2) {
        failures += 1;
        throw Object.assign(new Error('connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
      }
      return original(batch, anchor);
    });
    try {
      const key = await createApiKey(t, bearer(user.accessToken), {
        name: 'retried',
        scopes: ['models:read'],
      });
      await t.app.get(AuditWriter).drain();
      expect(failures).toBe(2);
      const log = await events(user, `&target_id=${key.id}`);
      expect(log.map((e) => e.action)).toEqual(['api_key.created']);
      expect(
        (
          await request(t.http)
            .get('/v1/audit-logs/verify')
            .set(bearer(user.accessToken))
            .expect(200)
        ).body.valid,
      ).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('takes a batch whose COMMIT landed after its lookup said not for stored, not a conflict', async () => {
    const user = await createUser(t, 'late-commit');
    const writer = t.app.get(AuditWriter);
    await writer.drain();
    const repository = t.app.get(AuditRepository);
    const append = repository.appendAll.bind(repository);
    let lost = true;
    // Stored, but the answer lost (the connection dropped after COMMIT)...
    const appendSpy = jest
      .spyOn(repository, 'appendAll')
      .mockImplementation(async (batch, anchor) => {
        await append(batch, anchor);
        if (lost && batch[0].chain === user.organizationId) {
          lost = false;
          throw Object.assign(new Error('connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
        }
      });
    // ...and the lookup that follows not seeing it yet (a replica behind, a slow COMMIT).
    const storedSpy = jest.spyOn(repository, 'isStored').mockResolvedValueOnce(false);
    try {
      const key = await createApiKey(t, bearer(user.accessToken), {
        name: 'late',
        scopes: ['models:read'],
      });
      await writer.drain();
      const log = await events(user, `&target_id=${key.id}`);
      expect(log.map((e) => e.action)).toEqual(['api_key.created']);
    } finally {
      appendSpy.mockRestore();
      storedSpy.mockRestore();
    }
    await createApiKey(t, bearer(user.accessToken), { name: 'after', scopes: ['models:read'] });
    expect(
      (await request(t.http).get('/v1/audit-logs/verify').set(bearer(user.accessToken)).expect(200))
        .body.valid,
    ).toBe(true);
  });

  it("answers an organization's audit reads while another organization's writes keep failing", async () => {
    const reader = await createUser(t, 'unaffected-reader');
    const stuck = await createUser(t, 'stuck-writer');
    const repository = t.app.get(AuditRepository);
    const original = repository.appendAll.bind(repository);
    let release = false;
    const spy = jest.spyOn(repository, 'appendAll').mockImplementation(async (batch, anchor) => {
      if (batch[0].chain === stuck.organizationId && !release) {
        throw Object.assign(new Error('connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
      }
      return original(batch, anchor);
    });
    try {
      await createApiKey(t, bearer(stuck.accessToken), { name: 'stuck', scopes: ['models:read'] });
      // The other tenant's queue never empties; this organization's reads still answer.
      await request(t.http).get('/v1/audit-logs').set(bearer(reader.accessToken)).expect(200);
      await request(t.http)
        .get('/v1/audit-logs/verify')
        .set(bearer(reader.accessToken))
        .expect(200);
    } finally {
      release = true;
      await t.app.get(AuditWriter).drain();
      spy.mockRestore();
    }
  });

  it('writes a burst of events to one chain, in order, and the chain still verifies', async () => {
    const user = await createUser(t, 'burst');
    const verify = async () =>
      (await request(t.http).get('/v1/audit-logs/verify').set(bearer(user.accessToken)).expect(200))
        .body as { valid: boolean; events_checked: number };
    await t.app.get(AuditWriter).drain();
    const before = await verify();
    const audit = t.app.get(AuditRecorder);
    for (let i = 0; i < 250; i++) {
      audit.record(AUDIT_ACTIONS.apiKeyUpdated, {
        organizationId: user.organizationId,
        target: { type: 'api_key', id: `key_burst_${i}` },
        metadata: { n: i },
      });
    }
    await t.app.get(AuditWriter).drain();
    expect(await verify()).toEqual(
      expect.objectContaining({ valid: true, events_checked: before.events_checked + 250 }),
    );
    const newest = await events(user, '&action=api_key.updated');
    expect(newest.slice(0, 3).map((e) => e.metadata.n)).toEqual([249, 248, 247]);
  });

  it('records in the chain how many events it dropped while its queue was full', async () => {
    await withTestApp({ AUDIT_MAX_QUEUED_EVENTS: '100' }, async (small) => {
      const user = await createUser(small, 'dropping');
      await small.app.get(AuditWriter).drain();
      const audit = small.app.get(AuditRecorder);
      // One tick: nothing is written meanwhile, so 100 are queued and 50 do not fit.
      for (let i = 0; i < 150; i++) {
        audit.record(AUDIT_ACTIONS.apiKeyUpdated, {
          organizationId: user.organizationId,
          target: { type: 'api_key', id: `key_flood_${i}` },
        });
      }
      await small.app.get(AuditWriter).drain();
      const read = async (query: string) =>
        (
          await request(small.http)
            .get(`/v1/audit-logs?limit=100${query}`)
            .set(bearer(user.accessToken))
            .expect(200)
        ).body;
      const gap = await read('&action=audit.events_dropped');
      expect(gap.data).toEqual([
        expect.objectContaining({
          action: 'audit.events_dropped',
          outcome: 'failure',
          actor: { type: 'system', id: null, ip: null, user_agent: null },
          metadata: { dropped_events: 50 },
        }),
      ]);
      const kept = await read('&action=api_key.updated');
      expect(kept.data).toHaveLength(100);
      expect(kept.data[0].target.id).toBe('key_flood_99');
      expect(small.logs.entries().some((entry) => /Audit queue full/.test(String(entry.msg)))).toBe(
        true,
      );
      const verified = await request(small.http)
        .get('/v1/audit-logs/verify')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(verified.body.valid).toBe(true);
    });
  });

  it('prunes whole old prefixes and still verifies after pruning', async () => {
    const user = await createUser(t, 'pruned');
    for (let i = 0; i < 3; i++)
      await createApiKey(t, bearer(user.accessToken), { name: `k${i}`, scopes: ['models:read'] });
    await t.app.get(AuditWriter).drain();
    const before = await events(user);
    const auditLog = t.app.get(AuditLogReader);
    // Everything up to now is "older than the retention" from a year and a day ahead.
    const removed = await auditLog.prune(new Date(Date.now() + 366 * 86_400_000));
    expect(removed).toBeGreaterThanOrEqual(before.length);
    await createApiKey(t, bearer(user.accessToken), {
      name: 'after-prune',
      scopes: ['models:read'],
    });
    const verify = await request(t.http)
      .get('/v1/audit-logs/verify')
      .set(bearer(user.accessToken))
      .expect(200);
    expect(verify.body).toEqual(expect.objectContaining({ valid: true, events_checked: 1 }));
    // The anchor's start followed retention's checkpoint.
    expect(verify.body.anchor.start_seq).toBe(verify.body.anchor.seq - 1);
  });
});

describe('audit events that can never be written', () => {
  const onMariaDb = Boolean(testDatabaseUrl());

  const read = async (t: TestApp, user: TestUser, query = ''): Promise<Event[]> =>
    (
      await request(t.http)
        .get(`/v1/audit-logs?limit=100${query}`)
        .set(bearer(user.accessToken))
        .expect(200)
    ).body.data;

  /**
   * Queues `unwritable` between two writable events of the same chain (one batch), then checks
   * that it was set aside: the others and a later event stored in order, the gap recorded in the
   * chain, the chain valid, the error logged and counted in /v1/health.
   */
  async function expectSetAside(unwritable: (event: PendingAuditEvent) => PendingAuditEvent) {
    await withTestApp({}, async (t) => {
      const user = await createUser(t, 'set-aside');
      const writer = t.app.get(AuditWriter);
      await writer.drain();
      const bad = unwritable(rawEvent(user.organizationId, 'key_bad'));
      writer.enqueue(rawEvent(user.organizationId, 'key_before'));
      writer.enqueue(bad);
      writer.enqueue(rawEvent(user.organizationId, 'key_after'));
      const later = await createApiKey(t, bearer(user.accessToken), {
        name: 'later',
        scopes: ['models:read'],
      });
      // In chain order (the marker's id is younger than the events queued after the one it replaces).
      const log = (await read(t, user)).sort((a, b) => b.seq - a.seq);
      const newest = log.slice(0, 4).map((e) => `${e.action} ${e.target.id ?? ''}`.trim());
      expect(newest).toEqual([
        `api_key.created ${later.id}`,
        'api_key.updated key_after',
        'audit.event_set_aside',
        'api_key.updated key_before',
      ]);
      expect(log[2]).toEqual(
        expect.objectContaining({
          outcome: 'failure',
          actor: { type: 'system', id: null, ip: null, user_agent: null },
          metadata: {
            set_aside_event_id: bad.id,
            set_aside_action: 'api_key.updated',
            error_code: expect.any(String),
          },
        }),
      );
      const verify = await request(t.http)
        .get('/v1/audit-logs/verify')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(verify.body.valid).toBe(true);
      const health = await request(t.http).get('/v1/health').expect(200);
      expect(health.body).toEqual(
        expect.objectContaining({ status: 'ok', database: 'up', audit_events_set_aside: 1 }),
      );
      const logged = t.logs
        .entries()
        .filter((entry) => /can never be written/.test(String(entry.msg)));
      expect(logged).toEqual([
        expect.objectContaining({ level: 50, event_id: bad.id, chain: user.organizationId }),
      ]);
    });
  }

  it('sets aside an event the database refuses (a NOT NULL column left empty) and stores the rest', async () => {
    await expectSetAside((event) => ({ ...event, actorType: null as unknown as string }));
  });

  (onMariaDb ? it : it.skip)(
    'sets aside an event too long for its column on MariaDB ("Data too long")',
    async () => {
      await expectSetAside((event) => ({ ...event, actorIp: '9'.repeat(60) }));
    },
  );

  it('fits what the service records to the columns, so the database never refuses it', async () => {
    await withTestApp({}, async (t) => {
      const user = await createUser(t, 'oversized');
      t.app.get(AuditRecorder).record(AUDIT_ACTIONS.apiKeyUpdated, {
        organizationId: user.organizationId,
        origin: { requestId: 'r'.repeat(500), ip: '9'.repeat(60), userAgent: 'u'.repeat(1000) },
        actor: { type: 't'.repeat(50), id: 'a'.repeat(200) },
        // A lone surrogate (half of an emoji) that MariaDB would store as U+FFFD, breaking the hash.
        target: { type: 'x'.repeat(100), id: `key_\ud83d${'y'.repeat(200)}` },
        metadata: { blob: 'm'.repeat(70_000) },
      });
      const [event] = await read(t, user, '&action=api_key.updated');
      expect(event).toEqual(
        expect.objectContaining({
          request_id: 'r'.repeat(128),
          actor: {
            type: 't'.repeat(20),
            id: 'a'.repeat(80),
            ip: null,
            user_agent: 'u'.repeat(300),
          },
          target: { type: 'x'.repeat(30), id: `key_\ufffd${'y'.repeat(75)}` },
          metadata: { metadata_truncated: true, original_bytes: expect.any(Number) },
        }),
      );
      expect(event.metadata.original_bytes).toBeGreaterThan(70_000);
      const verify = await request(t.http)
        .get('/v1/audit-logs/verify')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(verify.body.valid).toBe(true);
      const health = await request(t.http).get('/v1/health').expect(200);
      expect(health.body.audit_events_set_aside).toBe(0);
    });
  });
});

/** The chain verification `user`'s organization gets from `app`. */
const verifyOn = async (app: TestApp, user: TestUser) =>
  (await request(app.http).get('/v1/audit-logs/verify').set(bearer(user.accessToken)).expect(200))
    .body;

describe('audit chain anchor', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const db = () => t.app.get(DataSource);
  const verify = (user: TestUser) => verifyOn(t, user);
  /** The chain's events as stored, oldest first. */
  const stored = (user: TestUser) =>
    db()
      .getRepository(AuditEvent)
      .find({ where: { chain: user.organizationId }, order: { seq: 'ASC' } });

  /** A user whose chain holds registration, login and three key creations, all stored. */
  async function userWithChain(label: string): Promise<TestUser> {
    const user = await createUser(t, label);
    for (let i = 0; i < 3; i++)
      await createApiKey(t, bearer(user.accessToken), { name: `k${i}`, scopes: ['models:read'] });
    await t.app.get(AuditWriter).drain();
    return user;
  }

  it('exports the chain’s head, signed with a key derived from the master key', async () => {
    const user = await userWithChain('anchored');
    const events = await stored(user);
    const head = events[events.length - 1];
    const body = await verify(user);
    expect(body).toEqual({
      valid: true,
      events_checked: events.length,
      anchor: {
        seq: head.seq,
        hash: head.hash,
        hmac: expect.stringMatching(/^[0-9a-f]{64}$/),
        start_seq: 0,
        start_hash: GENESIS_HASH,
        anchored_at: expect.any(String),
      },
    });
    const key = t.app.get(MasterKeyService).derive('audit-chain-anchor');
    const signed = ['tessera-audit-anchor-v1', user.organizationId, 0, GENESIS_HASH];
    expect(body.anchor.hmac).toBe(
      createHmac('sha256', key)
        .update(JSON.stringify([...signed, head.seq, head.hash]))
        .digest('hex'),
    );
  });

  it('reports the newest events deleted in the database, also after later events', async () => {
    const user = await userWithChain('truncated');
    const before = await verify(user);
    expect(before.valid).toBe(true);
    await db().query('DELETE FROM audit_events WHERE chain = ? AND seq > ?', [
      user.organizationId,
      before.anchor.seq - 2,
    ]);
    expect(await verify(user)).toEqual(
      expect.objectContaining({
        valid: false,
        events_checked: before.events_checked - 2,
        reason: 'events_missing',
        anchor: before.anchor,
      }),
    );
    // The writer never moves an anchor the chain no longer matches: later events cannot hide it.
    await createApiKey(t, bearer(user.accessToken), { name: 'later', scopes: ['models:read'] });
    await t.app.get(AuditWriter).drain();
    const after = await verify(user);
    expect(after).toEqual(expect.objectContaining({ valid: false, anchor: before.anchor }));
    expect(
      t.logs
        .entries()
        .some(
          (entry) =>
            entry.chain === user.organizationId &&
            /does not match its anchor/.test(String(entry.msg)),
        ),
    ).toBe(true);
  });

  it('reports an event edited in the database with every later hash recomputed', async () => {
    const user = await userWithChain('rewritten');
    const events = await stored(user);
    const from = events.findIndex((event) => event.action === 'api_key.created');
    // What anyone who can write the table can do: edit an event, then re-chain all after it.
    let prevHash = events[from].prevHash;
    for (const [i, event] of events.slice(from).entries()) {
      const metadata = i === 0 ? JSON.stringify({ name: 'innocent' }) : event.metadata;
      const hash = eventHash(chainedFields({ ...event, metadata, prevHash }));
      await db().query(
        'UPDATE audit_events SET metadata = ?, prev_hash = ?, hash = ? WHERE id = ?',
        [metadata, prevHash, hash, event.id],
      );
      prevHash = hash;
    }
    expect(await verify(user)).toEqual(
      expect.objectContaining({
        valid: false,
        events_checked: events.length,
        reason: 'head_mismatch',
        first_broken_id: events[events.length - 1].id,
      }),
    );
  });

  it('does not accept an anchor moved in the database without the master key', async () => {
    const user = await userWithChain('forged-anchor');
    const events = await stored(user);
    const newHead = events[events.length - 3];
    await db().query('DELETE FROM audit_events WHERE chain = ? AND seq > ?', [
      user.organizationId,
      newHead.seq,
    ]);
    await db().query('UPDATE audit_anchors SET seq = ?, hash = ? WHERE chain = ?', [
      newHead.seq,
      newHead.hash,
      user.organizationId,
    ]);
    expect(await verify(user)).toEqual(
      expect.objectContaining({ valid: false, reason: 'anchor_forged' }),
    );
  });

  it('reports a chain whose anchor was deleted; its next event anchors it again, said in the log', async () => {
    const user = await userWithChain('unanchored');
    await db().query('DELETE FROM audit_anchors WHERE chain = ?', [user.organizationId]);
    expect(await verify(user)).toEqual(
      expect.objectContaining({ valid: false, reason: 'anchor_missing', anchor: null }),
    );
    await createApiKey(t, bearer(user.accessToken), { name: 'later', scopes: ['models:read'] });
    expect((await verify(user)).valid).toBe(true);
    expect(
      t.logs
        .entries()
        .some(
          (entry) =>
            entry.chain === user.organizationId &&
            entry.level === 40 &&
            /has events but no anchor/.test(String(entry.msg)),
        ),
    ).toBe(true);
  });

  it('removes nothing of a chain that does not verify: a time set back does not make its events old', async () => {
    const user = await createUser(t, 'steered');
    for (let i = 0; i < 3; i++)
      await createApiKey(t, bearer(user.accessToken), { name: `k${i}`, scopes: ['models:read'] });
    await t.app.get(AuditWriter).drain();
    const before = await stored(user);
    const newest = before[before.length - 1];
    // Someone with the database but not the master key dates the newest event back, so the
    // retention would cut the whole chain up to it and sign what is left valid.
    await db()
      .getRepository(AuditEvent)
      .update({ id: newest.id }, { occurredAt: new Date('2000-01-01T00:00:00Z') });
    await t.app.get(AuditLogReader).prune();
    expect((await stored(user)).map((event) => event.id)).toEqual(before.map((e) => e.id));
    expect(await verify(user)).toEqual(
      expect.objectContaining({ valid: false, reason: 'chain_broken', first_broken_id: newest.id }),
    );
    expect(
      t.logs
        .entries()
        .some(
          (entry) =>
            entry.chain === user.organizationId && /does not verify/.test(String(entry.msg)),
        ),
    ).toBe(true);
  });

  it('reports events written into the table around the server, even correctly chained', async () => {
    const user = await userWithChain('appended');
    const events = await stored(user);
    const head = events[events.length - 1];
    const forged = {
      ...head,
      id: prefixedId('evt'),
      seq: head.seq + 1,
      prevHash: head.hash,
      metadata: JSON.stringify({ name: 'planted' }),
    };
    await db()
      .getRepository(AuditEvent)
      .insert({ ...forged, hash: eventHash(chainedFields(forged)) });
    expect(await verify(user)).toEqual(
      expect.objectContaining({
        valid: false,
        reason: 'unanchored_events',
        first_broken_id: forged.id,
      }),
    );
  });

  it('neither lists nor exports a row planted outside the chain, and verify reports it', async () => {
    const user = await userWithChain('outside');
    const [first] = await stored(user);
    const planted = [
      // In the instance's chain, claiming the organization.
      { ...first, id: prefixedId('evt'), chain: 'instance', seq: 1_000_000 },
      // In the organization's chain, before its first event.
      { ...first, id: prefixedId('evt'), seq: 0 },
    ];
    for (const row of planted) {
      await db()
        .getRepository(AuditEvent)
        .insert({ ...row, metadata: JSON.stringify({ name: 'planted' }) });
    }
    const listed = await request(t.http)
      .get('/v1/audit-logs?limit=100')
      .set(bearer(user.accessToken))
      .expect(200);
    const exported = await request(t.http)
      .get('/v1/audit-logs/export')
      .set(bearer(user.accessToken))
      .expect(200);
    for (const row of planted) {
      expect(listed.body.data.map((event: { id: string }) => event.id)).not.toContain(row.id);
      expect(exported.text).not.toContain(row.id);
    }
    expect(await verify(user)).toEqual(
      expect.objectContaining({
        valid: false,
        reason: 'out_of_chain',
        first_broken_id: expect.stringMatching(new RegExp(planted.map((r) => r.id).join('|'))),
      }),
    );
  });

  it('reports the oldest events deleted under a checkpoint retention did not write', async () => {
    const user = await userWithChain('prefix-cut');
    const events = await stored(user);
    const cut = events[1];
    await db().query('DELETE FROM audit_events WHERE chain = ? AND seq <= ?', [
      user.organizationId,
      cut.seq,
    ]);
    await db().getRepository(AuditCheckpoint).insert({
      chain: user.organizationId,
      lastPrunedSeq: cut.seq,
      lastPrunedHash: cut.hash,
      prunedAt: new Date(),
    });
    expect(await verify(user)).toEqual(
      expect.objectContaining({
        valid: false,
        reason: 'start_mismatch',
        first_broken_id: events[2].id,
      }),
    );
  });

  it('writes the anchor to the log each time a chain passes AUDIT_ANCHOR_LOG_INTERVAL events', async () => {
    await withTestApp({ AUDIT_ANCHOR_LOG_INTERVAL: '3' }, async (own) => {
      const user = await createUser(own, 'logged-anchor');
      // Written one at a time: a batch that passes two multiples logs its one anchor, the newest.
      await own.app.get(AuditWriter).drain();
      for (let i = 0; i < 4; i++) {
        await createApiKey(own, bearer(user.accessToken), {
          name: `k${i}`,
          scopes: ['models:read'],
        });
        await own.app.get(AuditWriter).drain();
      }
      const logged = own.logs
        .entries()
        .map((entry) => entry.audit_anchor as Record<string, unknown> | undefined)
        .filter((anchor) => anchor?.chain === user.organizationId);
      const crossings = logged.map((anchor) => Math.floor(Number(anchor!.seq) / 3));
      expect(crossings).toEqual([1, 2]); // 6+ events in all: past 3 and past 6, once each
      const events = await own.app
        .get(DataSource)
        .getRepository(AuditEvent)
        .findBy({ chain: user.organizationId });
      for (const anchor of logged) {
        expect(anchor).toEqual({
          chain: user.organizationId,
          seq: expect.any(Number),
          hash: events.find((event) => event.seq === anchor!.seq)!.hash,
          hmac: expect.stringMatching(/^[0-9a-f]{64}$/),
          start_seq: 0,
          start_hash: GENESIS_HASH,
        });
      }
    });
  });
});

/** Stores `count` events in the user's chain through `app`'s writer: one batch. */
async function writeBatch(app: TestApp, user: TestUser, label: string, count = 3): Promise<void> {
  const writer = app.app.get(AuditWriter);
  for (let i = 0; i < count; i++)
    writer.enqueue(rawEvent(user.organizationId, `key_${label}_${i}`));
  await writer.drain();
}

/** How many times `app`'s writer read a chain's head from the database while `run` ran. */
async function headReads(app: TestApp, run: () => Promise<void>): Promise<number> {
  const head = jest.spyOn(app.app.get(AuditRepository), 'head');
  try {
    await run();
    return head.mock.calls.length;
  } finally {
    head.mockRestore();
  }
}

describe('audit chain head kept by its writer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  it('chains batch after batch onto the head it stored last, without reading it', async () => {
    const user = await createUser(t, 'kept-head');
    await t.app.get(AuditWriter).drain();
    const reads = await headReads(t, async () => {
      for (let i = 0; i < 3; i++) await writeBatch(t, user, `b${i}`);
    });
    expect(reads).toBe(0);
    const verify = await verifyOn(t, user);
    expect(verify).toEqual(expect.objectContaining({ valid: true }));
    expect(verify.anchor.seq).toBe(verify.events_checked);
  });

  it('writes the batches of many chains at once, each in its own transaction', async () => {
    // Drained together, their writes start in one turn of the event loop: on SQLite's one
    // connection a transaction begun while another is open would nest in it.
    const writer = t.app.get(AuditWriter);
    const setAside = writer.eventsSetAside;
    const run = randomBytes(8).toString('hex');
    const chains = Array.from({ length: 20 }, (_, i) => `many_${run}_${i}`); // within 36 characters
    for (let round = 0; round < 2; round++) {
      for (const chain of chains) {
        for (let i = 0; i < 3; i++) writer.enqueue(rawEvent(chain, `key_${round}_${i}`));
      }
      await writer.drain();
    }
    expect(
      t.logs.entries().filter((entry) => /Audit write failed/.test(String(entry.msg))),
    ).toEqual([]);
    expect(writer.eventsSetAside).toBe(setAside);
    for (const chain of chains) {
      expect(await t.app.get(AuditLogReader).verify(chain)).toEqual(
        expect.objectContaining({ valid: true, events_checked: 6 }),
      );
    }
  });

  it('reads the chain again after a write whose answer was lost, though it was stored', async () => {
    const user = await createUser(t, 'lost-answer');
    await t.app.get(AuditWriter).drain();
    const repository = t.app.get(AuditRepository);
    const original = repository.appendAll.bind(repository);
    let lost = 0;
    const spy = jest.spyOn(repository, 'appendAll').mockImplementation(async (batch, anchor) => {
      await original(batch, anchor);
      if (lost++ === 0) {
        throw Object.assign(new Error('connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
      }
    });
    try {
      await writeBatch(t, user, 'lost');
    } finally {
      spy.mockRestore();
    }
    expect(await headReads(t, () => writeBatch(t, user, 'next'))).toBe(1);
    const verify = await verifyOn(t, user);
    expect(verify).toEqual(expect.objectContaining({ valid: true }));
    expect(verify.anchor.seq).toBe(verify.events_checked);
  });

  it('reads the chain again when retention moved its start between two batches', async () => {
    const user = await createUser(t, 'pruned-between');
    const writer = t.app.get(AuditWriter);
    await writer.drain();
    const twoYearsAgo = new Date(Date.now() - 2 * 365 * 86_400_000);
    // One batch with the kept events: written apart, the old ones could be pruned before the
    // kept batch (by any instance's retention job), which would then read the chain again in
    // place of the batch after the prune.
    for (let i = 0; i < 3; i++)
      writer.enqueue(rawEvent(user.organizationId, `old_${i}`, twoYearsAgo));
    await writeBatch(t, user, 'kept', 2);
    const [old] = await t.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { chain: user.organizationId }, order: { seq: 'DESC' }, skip: 2, take: 1 });
    // Removes the chain up to the newest old event; the two after it stay, the head among them.
    await t.app.get(AuditLogReader).prune();
    // The writer's anchor still starts at the chain's genesis: its move fails, and it reads again.
    expect(await headReads(t, () => writeBatch(t, user, 'after', 2))).toBe(1);
    expect(await verifyOn(t, user)).toEqual(
      expect.objectContaining({
        valid: true,
        events_checked: 4,
        anchor: expect.objectContaining({ start_seq: old.seq, start_hash: old.hash }),
      }),
    );
  });
});

describe('audit chain written by two instances', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    [a, b] = await twoInstances({});
  });
  afterAll(async () => {
    expect([...a.logs.serverErrors(), ...b.logs.serverErrors()]).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('each finds the head it kept taken by the other, reads the chain again and extends it', async () => {
    const user = await createUser(a, 'two-writers');
    await a.app.get(AuditWriter).drain();
    const before = await verifyOn(a, user);
    let written = 0;
    for (let round = 0; round < 6; round++) {
      const [writer, other] = round % 2 === 0 ? [a, b] : [b, a];
      const reads = await headReads(writer, () => writeBatch(writer, user, `r${round}`, round + 1));
      written += round + 1;
      // Once both have written, each batch's head was the other's: read again, never used stale.
      if (round >= 2) expect(reads).toBeGreaterThanOrEqual(1);
      expect(await verifyOn(other, user)).toEqual(
        expect.objectContaining({ valid: true, events_checked: before.events_checked + written }),
      );
    }
    const verify = await verifyOn(b, user);
    expect(verify.anchor.seq).toBe(verify.events_checked);
  });

  it('does not let a kept head hide the newest events of the other instance, deleted since', async () => {
    const user = await createUser(a, 'two-writers-truncated');
    await a.app.get(AuditWriter).drain();
    await writeBatch(a, user, 'a');
    await writeBatch(b, user, 'b');
    const anchored = (await verifyOn(b, user)).anchor;
    // B's batch deleted in the database: A's kept head is the chain's head again, but B's anchor
    // names the deleted events, and A must not move it from a state it did not check.
    await a.app
      .get(DataSource)
      .query('DELETE FROM audit_events WHERE chain = ? AND seq > ?', [
        user.organizationId,
        anchored.seq - 3,
      ]);
    await writeBatch(a, user, 'a-again', 1);
    expect(await verifyOn(a, user)).toEqual(
      expect.objectContaining({ valid: false, reason: 'events_missing', anchor: anchored }),
    );
    // Nest's class loggers write to the app made last: either instance's log may hold the line.
    expect(
      [...a.logs.entries(), ...b.logs.entries()].some(
        (entry) =>
          entry.chain === user.organizationId &&
          /does not match its anchor/.test(String(entry.msg)),
      ),
    ).toBe(true);
  });
});

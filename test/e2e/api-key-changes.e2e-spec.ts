import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKey } from '../../src/modules/api-keys/api-key.entity';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { asKey, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer } from '../utils/factories';
import { createTeam } from '../utils/teams';

/** Who may change a key, and what a change leaves behind. */
describe('changes to API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const patch = (headers: Record<string, string>, id: string, body: Record<string, unknown>) =>
    request(t.http).patch(`/v1/api-keys/${id}`).set(headers).send(body);
  const rotate = (headers: Record<string, string>, id: string, body = {}) =>
    request(t.http).post(`/v1/api-keys/${id}/rotate`).set(headers).send(body);
  const get = (headers: Record<string, string>, id: string) =>
    request(t.http).get(`/v1/api-keys/${id}`).set(headers).expect(200);

  describe('a key with api_keys:write against a wider key', () => {
    it('can neither lift its restrictions nor revoke or rotate it', async () => {
      const team = await createTeam(t);
      const owner = team.inOrg(team.owner);
      const powerful = await createApiKey(t, owner, {
        name: 'root',
        scopes: ['admin:*'],
        allowed_ips: ['192.0.2.0/24'],
        rate_limit_per_hour: 10,
      });
      const manager = await createApiKey(t, owner, { name: 'keys', scopes: ['api_keys:write'] });
      for (const body of [{ allowed_ips: [] }, { rate_limit_per_hour: 100_000 }, { name: 'x' }]) {
        const refused = await patch(asKey(manager.key), powerful.id, body).expect(403);
        expect(refused.body.code).toBe('scope_escalation');
      }
      await rotate(asKey(manager.key), powerful.id).expect(403);
      await request(t.http)
        .delete(`/v1/api-keys/${powerful.id}`)
        .set(asKey(manager.key))
        .expect(403);
      const unchanged = await get(owner, powerful.id);
      expect(unchanged.body).toEqual(
        expect.objectContaining({
          name: 'root',
          allowed_ips: ['192.0.2.0/24'],
          rate_limit_per_hour: 10,
          status: 'active',
        }),
      );
      // A key it covers, it may change.
      const narrow = await createApiKey(t, owner, { name: 'n', scopes: ['api_keys:write'] });
      await patch(asKey(manager.key), narrow.id, { rate_limit_per_hour: 20 }).expect(200);
    });

    it('lets a user revoke a key of their own that their role no longer covers', async () => {
      const team = await createTeam(t);
      const { admin } = team.members;
      const key = await createApiKey(t, team.inOrg(admin), {
        name: 'mine',
        scopes: ['organizations:write'],
      });
      await request(t.http)
        .patch(`/v1/organizations/${team.organizationId}/members/${admin.userId}`)
        .set(bearer(team.owner.accessToken))
        .send({ role: 'member' })
        .expect(200);
      await patch(team.inOrg(admin), key.id, { allowed_ips: [] }).expect(403);
      await request(t.http).delete(`/v1/api-keys/${key.id}`).set(team.inOrg(admin)).expect(204);
    });
  });

  it('audits only the fields a PATCH changed, and nothing when it changed none', async () => {
    const team = await createTeam(t);
    const owner = team.inOrg(team.owner);
    const key = await createApiKey(t, owner, {
      name: 'audited',
      scopes: ['translate:read'],
      rate_limit_per_hour: 100,
    });
    await patch(owner, key.id, {
      name: 'audited',
      rate_limit_per_hour: 200,
      allowed_ips: [],
    }).expect(200);
    await patch(owner, key.id, { name: 'audited', scopes: ['translate:read'] }).expect(200);
    await t.app.get(AuditWriter).drain();
    const events = await request(t.http)
      .get(`/v1/audit-logs?action=api_key.updated&target_id=${key.id}`)
      .set(owner)
      .expect(200);
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].metadata).toEqual({
      changed: ['rate_limit_per_hour'],
      rate_limit_per_hour: 200,
    });
  });

  describe('rotation', () => {
    it('refuses an expired key and a key already rotated: their replacement would be born expired', async () => {
      const team = await createTeam(t);
      const owner = team.inOrg(team.owner);
      const expired = await createApiKey(t, owner, { name: 'e', scopes: ['translate:read'] });
      await t.app
        .get(DataSource)
        .getRepository(ApiKey)
        .update({ id: expired.id }, { expiresAt: new Date(Date.now() - 1000) });
      const refused = await rotate(owner, expired.id).expect(400);
      expect(refused.body).toEqual({
        detail: 'An expired key cannot be rotated',
        code: 'key_expired',
      });

      const key = await createApiKey(t, owner, { name: 'r', scopes: ['translate:read'] });
      const first = await rotate(owner, key.id, { grace_period_hours: 0 }).expect(201);
      const again = await rotate(owner, key.id).expect(400);
      expect(again.body.code).toBe('key_rotated');
      await rotate(owner, first.body.id).expect(201);
    });

    it('lets one of two concurrent rotations of a key win', async () => {
      const team = await createTeam(t);
      const owner = team.inOrg(team.owner);
      const key = await createApiKey(t, owner, { name: 'race', scopes: ['translate:read'] });
      const answers = await Promise.all([rotate(owner, key.id), rotate(owner, key.id)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 400]);
      const keys = await request(t.http).get('/v1/api-keys?limit=100').set(owner).expect(200);
      expect(keys.body.data.filter((k: { name: string }) => k.name === 'race')).toHaveLength(2);
    });
  });

  it('refuses a service_account_id no service account of the organization has', async () => {
    const team = await createTeam(t);
    const refused = await request(t.http)
      .post('/v1/api-keys')
      .set(team.inOrg(team.owner))
      .send({
        name: 'sa',
        scopes: ['translate:read'],
        service_account_id: 'sa_0190f7a4000070008000000000000000',
      })
      .expect(404);
    expect(refused.body.detail).toBe('Service account not found');
    const keys = await request(t.http).get('/v1/api-keys').set(team.inOrg(team.owner)).expect(200);
    expect(keys.body.data).toEqual([]);
  });
});

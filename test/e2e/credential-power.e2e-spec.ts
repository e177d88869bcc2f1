import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKey } from '../../src/modules/api-keys/api-key.entity';
import { asKey, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, TestUser } from '../utils/factories';
import { createTeam, Team } from '../utils/teams';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

/** A credential never does more than the person behind it: role scopes, key caps, role ranks. */
describe('the power of a credential', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const verify = (headers: Record<string, string>) =>
    request(t.http).get('/v1/auth/verify').set(headers).expect(200);
  const setRole = (
    team: Team,
    user: TestUser,
    role: string,
    headers: Record<string, string> = bearer(team.owner.accessToken),
  ) =>
    request(t.http)
      .patch(`/v1/organizations/${team.organizationId}/members/${user.userId}`)
      .set(headers)
      .send({ role });
  const readAudit = (headers: Record<string, string>) =>
    request(t.http).get('/v1/audit-logs').set(headers);
  /** Stores scopes on a key as the code before this fix let a member mint them. */
  const widenInDatabase = async (keyId: string, scopes: string[]) => {
    await t.app
      .get(DataSource)
      .getRepository(ApiKey)
      .update({ id: keyId }, { scopes: scopes.join(' ') });
  };

  describe('role scopes', () => {
    it('gives a member and a viewer only the scopes of their permissions', async () => {
      const team = await createTeam(t);
      const member = (await verify(team.inOrg(team.members.member))).body.scopes as string[];
      expect(member).toEqual(
        expect.arrayContaining(['translate:write', 'api_keys:write', 'organizations:read']),
      );
      for (const scope of ['organizations:write', 'compliance:read', 'sso:write', 'admin:*'])
        expect(member).not.toContain(scope);
      const viewer = (await verify(team.inOrg(team.members.viewer))).body.scopes as string[];
      expect(viewer).toEqual(expect.arrayContaining(['translate:read', 'organizations:read']));
      for (const scope of ['translate:write', 'api_keys:write', 'compliance:read'])
        expect(viewer).not.toContain(scope);
      expect((await verify(team.inOrg(team.members.admin))).body.scopes).toEqual(['admin:*']);
    });

    it('refuses a member a key with the scopes of member management or the audit log', async () => {
      const team = await createTeam(t);
      for (const scopes of [['organizations:write'], ['compliance:read']]) {
        const refused = await request(t.http)
          .post('/v1/api-keys')
          .set(team.inOrg(team.members.member))
          .send({ name: 'climb', scopes })
          .expect(403);
        expect(refused.body.code).toBe('scope_escalation');
      }
      await request(t.http)
        .post('/v1/api-keys')
        .set(team.inOrg(team.members.member))
        .send({ name: 'everything', access: 'write' })
        .expect(403);
    });
  });

  describe('a key acts with the current role of the user behind it', () => {
    it('cannot promote its member or read the audit log, even holding those scopes', async () => {
      const team = await createTeam(t);
      const { member } = team.members;
      const key = await createApiKey(t, team.inOrg(member), {
        name: 'old key',
        scopes: ['api_keys:write'],
      });
      await widenInDatabase(key.id, ['api_keys:write', 'organizations:write', 'compliance:read']);
      const scopes = (await verify(asKey(key.key))).body.scopes;
      expect(scopes).toEqual(['api_keys:write']);
      const promote = await setRole(team, member, 'admin', asKey(key.key)).expect(403);
      expect(promote.body.detail).toBe('Missing permission: organization.members.update');
      await readAudit(asKey(key.key)).expect(403);
      // The owner's view: the member is still a member.
      const members = await request(t.http)
        .get(`/v1/organizations/${team.organizationId}/members`)
        .set(bearer(team.owner.accessToken))
        .expect(200);
      expect(members.body.data).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ user_id: member.userId, role: 'member' }),
        ]),
      );
    });

    it('loses what its user loses on demotion, on the next request, and regains it', async () => {
      const team = await createTeam(t);
      const { admin, viewer } = team.members;
      const key = await createApiKey(t, team.inOrg(admin), {
        name: 'admin tools',
        scopes: ['organizations:write', 'compliance:read', 'translate:*'],
      });
      await readAudit(asKey(key.key)).expect(200);
      await setRole(team, admin, 'member').expect(200);
      // A wildcard keeps what the role still covers inside it.
      expect((await verify(asKey(key.key))).body.scopes).toEqual([
        'translate:read',
        'translate:write',
      ]);
      await readAudit(asKey(key.key)).expect(403);
      await setRole(team, viewer, 'member', asKey(key.key)).expect(403);
      await setRole(team, admin, 'viewer').expect(200);
      expect((await verify(asKey(key.key))).body.scopes).toEqual(['translate:read']);
      await setRole(team, admin, 'admin').expect(200);
      expect((await verify(asKey(key.key))).body.scopes).toEqual([
        'organizations:write',
        'compliance:read',
        'translate:*',
      ]);
    });

    it('stops working when its user leaves the organization', async () => {
      const team = await createTeam(t);
      const { member } = team.members;
      const key = await createApiKey(t, team.inOrg(member), {
        name: 'k',
        scopes: ['translate:read'],
      });
      await verify(asKey(key.key));
      await request(t.http)
        .delete(`/v1/organizations/${team.organizationId}/members/${member.userId}`)
        .set(bearer(team.owner.accessToken))
        .expect(204);
      const refused = await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(401);
      expect(refused.body.detail).toBe('API key owner is no longer a member of the organization');
    });

    it('acts for whoever rotated it, when that is not its owner: a colleague’s rotated key leaves with the colleague', async () => {
      const team = await createTeam(t);
      const { admin, member } = team.members;
      const adminsKey = await createApiKey(t, team.inOrg(admin), {
        name: 'admin’s',
        scopes: ['translate:read'],
      });
      const rotated = await request(t.http)
        .post(`/v1/api-keys/${adminsKey.id}/rotate`)
        .set(team.inOrg(member))
        .send({ grace_period_hours: 720 })
        .expect(201);
      const replacement = asKey(rotated.body.key as string);
      await verify(replacement);
      await request(t.http)
        .delete(`/v1/organizations/${team.organizationId}/members/${member.userId}`)
        .set(bearer(team.owner.accessToken))
        .expect(204);
      const refused = await request(t.http).get('/v1/auth/verify').set(replacement).expect(401);
      expect(refused.body.detail).toBe('API key owner is no longer a member of the organization');
      // The admin's own key works through its grace period, as the admin's.
      await verify(asKey(adminsKey.key));

      // The owner rotating their own key keeps it theirs.
      const own = await createApiKey(t, team.inOrg(admin), {
        name: 'own',
        scopes: ['translate:read'],
      });
      const mine = await request(t.http)
        .post(`/v1/api-keys/${own.id}/rotate`)
        .set(team.inOrg(admin))
        .send({})
        .expect(201);
      await setRole(team, admin, 'viewer').expect(200);
      await verify(asKey(mine.body.key as string));
    });

    it('passes the cap on to a key made by a key', async () => {
      const team = await createTeam(t);
      const { admin } = team.members;
      const parent = await createApiKey(t, team.inOrg(admin), {
        name: 'parent',
        scopes: ['api_keys:write', 'compliance:read'],
      });
      const child = await createApiKey(t, asKey(parent.key), {
        name: 'child',
        scopes: ['compliance:read'],
      });
      await readAudit(asKey(child.key)).expect(200);
      await setRole(team, admin, 'member').expect(200);
      await readAudit(asKey(child.key)).expect(403);
    });

    it('ranks as the role of its user when assigning roles, never above it', async () => {
      const team = await createTeam(t);
      const { admin, member, viewer } = team.members;
      const adminKey = await createApiKey(t, team.inOrg(admin), {
        name: 'a',
        scopes: ['admin:*'],
      });
      const grantOwner = await setRole(team, viewer, 'owner', asKey(adminKey.key)).expect(403);
      expect(grantOwner.body.detail).toBe('Only an owner can grant or change the owner role');
      await setRole(team, member, 'admin', asKey(adminKey.key)).expect(200);
      const ownerKey = await createApiKey(t, team.inOrg(team.owner), {
        name: 'o',
        scopes: ['admin:*'],
      });
      await request(t.http)
        .get(`/v1/organizations/${team.organizationId}`)
        .set(asKey(ownerKey.key))
        .expect(200);
      await setRole(team, viewer, 'owner', asKey(ownerKey.key)).expect(200);
    });

    it('lets a key of the instance administrator act as an organization admin', async () => {
      const team = await createTeam(t);
      const administrator = {
        ...bearer(TEST_ADMIN_TOKEN),
        'X-Organization-ID': team.organizationId,
      };
      const key = await createApiKey(t, administrator, { name: 'ops', scopes: ['admin:*'] });
      expect((await verify(asKey(key.key))).body.scopes).toEqual(['admin:*']);
      await setRole(team, team.members.viewer, 'admin', asKey(key.key)).expect(200);
      await setRole(team, team.members.viewer, 'owner', asKey(key.key)).expect(403);
    });
  });
});

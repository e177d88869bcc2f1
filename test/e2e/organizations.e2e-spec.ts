import request from 'supertest';
import { createTestApp, TestApp } from '../utils/create-app';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { bearer, createUser, login, TestUser } from '../utils/factories';
import { createTeam } from '../utils/teams';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

describe('organizations and IAM', () => {
  let t: TestApp;
  const admin = bearer(TEST_ADMIN_TOKEN);

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const team = () => createTeam(t);

  describe('GET and POST /v1/organizations', () => {
    it('creates an organization on the free plan with the caller as owner, and lists it', async () => {
      const user = await createUser(t, 'creator');
      const created = await request(t.http)
        .post('/v1/organizations')
        .set(bearer(user.accessToken))
        .send({ name: 'Globex' })
        .expect(201);
      expect(created.body).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          name: 'Globex',
          plan: 'free',
          rate_limit_per_minute: 60,
          role: 'owner',
        }),
      );
      const list = await request(t.http)
        .get('/v1/organizations')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(list.body.has_more).toBe(false);
      expect(list.body.data.map((o: { id: string }) => o.id)).toEqual([
        created.body.id,
        user.organizationId,
      ]);
    });

    it('pages with limit and starting_after', async () => {
      const user = await createUser(t, 'pager');
      for (const name of ['one', 'two', 'three']) {
        await request(t.http)
          .post('/v1/organizations')
          .set(bearer(user.accessToken))
          .send({ name })
          .expect(201);
      }
      const first = await request(t.http)
        .get('/v1/organizations?limit=2')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(first.body.data.map((o: { name: string }) => o.name)).toEqual(['three', 'two']);
      expect(first.body.has_more).toBe(true);
      const next = await request(t.http)
        .get(`/v1/organizations?limit=2&starting_after=${first.body.data[1].id}`)
        .set(bearer(user.accessToken))
        .expect(200);
      expect(next.body.data.map((o: { name: string }) => o.name)).toEqual([
        'one',
        expect.stringContaining('organization'),
      ]);
      expect(next.body.has_more).toBe(false);
      await request(t.http)
        .get('/v1/organizations?limit=0')
        .set(bearer(user.accessToken))
        .expect(422);
      await request(t.http)
        .get('/v1/organizations?limit=101')
        .set(bearer(user.accessToken))
        .expect(422);
    });

    it('lets only the instance administrator list every organization', async () => {
      const user = await createUser(t, 'listed');
      const all = await request(t.http).get('/v1/organizations?limit=100').set(admin).expect(200);
      expect(all.body.data.map((o: { id: string }) => o.id)).toContain(user.organizationId);
      const mine = await request(t.http)
        .get('/v1/organizations?limit=100')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(mine.body.data).toHaveLength(1);
    });

    it('422s an organization without a name', async () => {
      const user = await createUser(t, 'noname');
      const response = await request(t.http)
        .post('/v1/organizations')
        .set(bearer(user.accessToken))
        .send({})
        .expect(422);
      expect(response.body.detail).toEqual([
        { loc: ['body', 'name'], msg: 'field required', type: 'value_error.missing' },
      ]);
    });
  });

  describe('GET and PATCH /v1/organizations/:id', () => {
    it('reads and renames with organization.read / organization.update', async () => {
      const { organizationId, owner, members } = await team();
      const read = await request(t.http)
        .get(`/v1/organizations/${organizationId}`)
        .set(bearer(members.viewer.accessToken))
        .expect(200);
      expect(read.body).toEqual(
        expect.objectContaining({ id: organizationId, name: 'Acme', role: 'viewer' }),
      );

      const denied = await request(t.http)
        .patch(`/v1/organizations/${organizationId}`)
        .set(bearer(members.member.accessToken))
        .send({ name: 'Nope' })
        .expect(403);
      expect(denied.body).toEqual({
        detail: 'Missing permission: organization.update',
        code: 'missing_permission',
      });

      const renamed = await request(t.http)
        .patch(`/v1/organizations/${organizationId}`)
        .set(bearer(owner.accessToken))
        .send({ name: 'Acme Corp' })
        .expect(200);
      expect(renamed.body.name).toBe('Acme Corp');
    });

    it('leaves plans and limits to the instance administrator', async () => {
      const { organizationId, owner } = await team();
      const refused = await request(t.http)
        .patch(`/v1/organizations/${organizationId}`)
        .set(bearer(owner.accessToken))
        .send({ plan: 'enterprise' })
        .expect(403);
      expect(refused.body.detail).toBe(
        'Only the instance administrator can change plans and rate limits',
      );

      const pro = await request(t.http)
        .patch(`/v1/organizations/${organizationId}`)
        .set(admin)
        .send({ plan: 'pro' })
        .expect(200);
      expect(pro.body).toEqual(
        expect.objectContaining({ plan: 'pro', rate_limit_per_minute: 300 }),
      );
      await request(t.http)
        .patch(`/v1/organizations/${organizationId}`)
        .set(admin)
        .send({ rate_limit_per_minute: 5 })
        .expect(400);
      const enterprise = await request(t.http)
        .patch(`/v1/organizations/${organizationId}`)
        .set(admin)
        .send({ plan: 'enterprise', rate_limit_per_minute: 12345 })
        .expect(200);
      expect(enterprise.body).toEqual(
        expect.objectContaining({ plan: 'enterprise', rate_limit_per_minute: 12345 }),
      );
      await request(t.http)
        .patch(`/v1/organizations/${organizationId}`)
        .set(admin)
        .send({ plan: 'platinum' })
        .expect(422);
    });

    it('answers 404 for an organization the caller is not in, and for one that does not exist', async () => {
      const { organizationId } = await team();
      const outsider = await createUser(t, 'outsider');
      const response = await request(t.http)
        .get(`/v1/organizations/${organizationId}`)
        .set(bearer(outsider.accessToken))
        .expect(404);
      expect(response.body).toEqual({ detail: 'Organization not found' });
      await request(t.http)
        .patch(`/v1/organizations/${organizationId}`)
        .set(bearer(outsider.accessToken))
        .send({ name: 'Hijacked' })
        .expect(404);
      await request(t.http)
        .get('/v1/organizations/00000000-0000-7000-8000-000000000000')
        .set(bearer(outsider.accessToken))
        .expect(404);
      await request(t.http)
        .get('/v1/organizations/00000000-0000-7000-8000-000000000000')
        .set(admin)
        .expect(404);
    });
  });

  describe('members', () => {
    it('lists members with their roles', async () => {
      const { organizationId, members, owner } = await team();
      const list = await request(t.http)
        .get(`/v1/organizations/${organizationId}/members`)
        .set(bearer(members.viewer.accessToken))
        .expect(200);
      expect(list.body.has_more).toBe(false);
      expect(list.body.data).toHaveLength(4);
      expect(list.body.data).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ user_id: owner.userId, email: owner.email, role: 'owner' }),
          expect.objectContaining({ user_id: members.viewer.userId, role: 'viewer' }),
        ]),
      );
    });

    it('pages members with starting_after = the last user_id, every member once', async () => {
      const { organizationId, members, owner } = await team();
      for (const path of [`/v1/organizations/${organizationId}/members`, '/v1/iam/users']) {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 6; page++) {
          const answer = await request(t.http)
            .get(path)
            .query({ limit: 1, ...(cursor ? { starting_after: cursor } : {}) })
            .set({ ...bearer(owner.accessToken), 'X-Organization-ID': organizationId })
            .expect(200);
          seen.push(...answer.body.data.map((member: { user_id: string }) => member.user_id));
          if (!answer.body.has_more) break;
          cursor = seen[seen.length - 1];
        }
        expect(seen.slice().sort()).toEqual(
          [owner, members.admin, members.member, members.viewer].map((u) => u.userId).sort(),
        );
      }
      // A cursor that names nobody in the organization: an empty page, not another's members.
      const stranger = await createUser(t, 'not-a-member');
      const none = await request(t.http)
        .get(`/v1/organizations/${organizationId}/members`)
        .query({ starting_after: stranger.userId })
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(none.body).toEqual({ data: [], has_more: false });
    });

    it('enforces organization.members.create / .update / .delete per role', async () => {
      const { organizationId, members } = await team();
      const newcomer = await createUser(t, 'newcomer');
      const denied = await request(t.http)
        .post(`/v1/organizations/${organizationId}/members`)
        .set(bearer(members.member.accessToken))
        .send({ email: newcomer.email, role: 'viewer' })
        .expect(403);
      expect(denied.body.detail).toBe('Missing permission: organization.members.create');
      await request(t.http)
        .patch(`/v1/organizations/${organizationId}/members/${members.viewer.userId}`)
        .set(bearer(members.viewer.accessToken))
        .send({ role: 'admin' })
        .expect(403, {
          detail: 'Missing permission: organization.members.update',
          code: 'missing_permission',
        });
      await request(t.http)
        .delete(`/v1/organizations/${organizationId}/members/${members.member.userId}`)
        .set(bearer(members.member.accessToken))
        .expect(403);

      const added = await request(t.http)
        .post(`/v1/organizations/${organizationId}/members`)
        .set(bearer(members.admin.accessToken))
        .send({ email: newcomer.email, role: 'member' })
        .expect(201);
      expect(added.body).toEqual(
        expect.objectContaining({ user_id: newcomer.userId, role: 'member' }),
      );
      await request(t.http)
        .post(`/v1/organizations/${organizationId}/members`)
        .set(bearer(members.admin.accessToken))
        .send({ email: newcomer.email, role: 'member' })
        .expect(409);
    });

    it('changes a role, and the new role applies on the member’s next request', async () => {
      const { organizationId, members, owner, inOrg } = await team();
      await request(t.http).get('/v1/iam/users').set(inOrg(members.viewer)).expect(200);
      await request(t.http)
        .post(`/v1/organizations/${organizationId}/members`)
        .set(inOrg(members.viewer))
        .send({ email: owner.email, role: 'viewer' })
        .expect(403);
      const changed = await request(t.http)
        .patch(`/v1/organizations/${organizationId}/members/${members.viewer.userId}`)
        .set(bearer(owner.accessToken))
        .send({ role: 'admin' })
        .expect(200);
      expect(changed.body.role).toBe('admin');
      const verify = await request(t.http)
        .get('/v1/auth/verify')
        .set(inOrg(members.viewer))
        .expect(200);
      expect(verify.body).toEqual(
        expect.objectContaining({ role: 'admin', organization_id: organizationId }),
      );
    });

    it('removes a member, who then loses access', async () => {
      const { organizationId, members, owner, inOrg } = await team();
      await request(t.http)
        .delete(`/v1/organizations/${organizationId}/members/${members.member.userId}`)
        .set(bearer(owner.accessToken))
        .expect(204);
      await request(t.http).get('/v1/iam/users').set(inOrg(members.member)).expect(403);
      await request(t.http)
        .get(`/v1/organizations/${organizationId}`)
        .set(bearer(members.member.accessToken))
        .expect(404);
    });

    it('lets nobody but an owner grant or touch the owner role, and keeps one owner', async () => {
      const { organizationId, members, owner } = await team();
      await request(t.http)
        .patch(`/v1/organizations/${organizationId}/members/${members.member.userId}`)
        .set(bearer(members.admin.accessToken))
        .send({ role: 'owner' })
        .expect(403);
      await request(t.http)
        .delete(`/v1/organizations/${organizationId}/members/${owner.userId}`)
        .set(bearer(members.admin.accessToken))
        .expect(403);
      const last = await request(t.http)
        .patch(`/v1/organizations/${organizationId}/members/${owner.userId}`)
        .set(bearer(owner.accessToken))
        .send({ role: 'admin' })
        .expect(409);
      expect(last.body.detail).toBe('An organization must keep at least one owner');
      await request(t.http)
        .delete(`/v1/organizations/${organizationId}/members/${owner.userId}`)
        .set(bearer(owner.accessToken))
        .expect(409);
    });

    it('keeps one owner when two owners demote or remove each other at the same moment', async () => {
      for (let round = 0; round < 6; round++) {
        const { organizationId, members, owner } = await team();
        const second = members.admin;
        await request(t.http)
          .patch(`/v1/organizations/${organizationId}/members/${second.userId}`)
          .set(bearer(owner.accessToken))
          .send({ role: 'owner' })
          .expect(200);
        const path = (user: TestUser) =>
          `/v1/organizations/${organizationId}/members/${user.userId}`;
        const inOrg = (user: TestUser) => ({
          ...bearer(user.accessToken),
          'X-Organization-ID': organizationId,
        });
        // Both tokens and roles cached, so both requests reach the change at once.
        for (const user of [owner, second]) {
          await request(t.http)
            .get(`/v1/organizations/${organizationId}/members`)
            .set(inOrg(user))
            .expect(200);
        }
        const answers = await Promise.all([
          request(t.http).patch(path(second)).set(inOrg(owner)).send({ role: 'admin' }),
          round % 2 === 0
            ? request(t.http).patch(path(owner)).set(inOrg(second)).send({ role: 'viewer' })
            : request(t.http).delete(path(owner)).set(inOrg(second)),
        ]);
        // One wins; the other finds the last owner (409) or that it is no longer one (403).
        const statuses = answers.map((answer) => answer.status);
        expect(statuses.filter((status) => status < 300)).toHaveLength(1);
        expect(statuses.filter((status) => status === 409 || status === 403)).toHaveLength(1);
        const list = await request(t.http)
          .get(`/v1/organizations/${organizationId}/members`)
          .set(bearer(TEST_ADMIN_TOKEN))
          .expect(200);
        const owners = list.body.data.filter((m: { role: string }) => m.role === 'owner');
        expect(owners).toHaveLength(1);
      }
    });

    it('audits only what a PATCH of the organization changed', async () => {
      const { organizationId, owner } = await team();
      const rename = (name: string) =>
        request(t.http)
          .patch(`/v1/organizations/${organizationId}`)
          .set(bearer(owner.accessToken))
          .send({ name })
          .expect(200);
      await rename('Acme');
      await rename('Acme Corp');
      await t.app.get(AuditWriter).drain();
      const events = await request(t.http)
        .get(`/v1/audit-logs?action=organization.updated`)
        .set({ ...bearer(owner.accessToken), 'X-Organization-ID': organizationId })
        .expect(200);
      expect(events.body.data.map((e: { metadata: unknown }) => e.metadata)).toEqual([
        { changed: ['name'], name: 'Acme Corp' },
      ]);
    });

    it('404s an unknown user email and an unknown member', async () => {
      const { organizationId, owner } = await team();
      await request(t.http)
        .post(`/v1/organizations/${organizationId}/members`)
        .set(bearer(owner.accessToken))
        .send({ email: 'nobody-here@example.test', role: 'viewer' })
        .expect(404);
      await request(t.http)
        .patch(`/v1/organizations/${organizationId}/members/00000000-0000-7000-8000-000000000000`)
        .set(bearer(owner.accessToken))
        .send({ role: 'viewer' })
        .expect(404);
      await request(t.http)
        .post(`/v1/organizations/${organizationId}/members`)
        .set(bearer(owner.accessToken))
        .send({ email: 'x@example.test', role: 'superuser' })
        .expect(422);
    });

    it('adds the account of exactly the email given, not one that differs by an accent', async () => {
      // MySQL/MariaDB's default collations ignore accents: `alicé@` used to find alice's account.
      const { organizationId, owner } = await team();
      const alice = await createUser(t, 'alice');
      const accented = alice.email.replace('alice', 'alicé');
      await request(t.http)
        .post(`/v1/organizations/${organizationId}/members`)
        .set(bearer(owner.accessToken))
        .send({ email: accented, role: 'admin' })
        .expect(404);
      const other = await request(t.http)
        .post('/v1/auth/register')
        .send({ email: accented, password: 'another-long-password', full_name: 'Alicé' })
        .expect(201);
      const added = await request(t.http)
        .post(`/v1/organizations/${organizationId}/members`)
        .set(bearer(owner.accessToken))
        .send({ email: accented, role: 'admin' })
        .expect(201);
      expect(added.body).toEqual(
        expect.objectContaining({ user_id: other.body.user_id, email: accented }),
      );
      await request(t.http)
        .get(`/v1/organizations/${organizationId}`)
        .set(bearer(alice.accessToken))
        .expect(404);
    });

    it('never lets one organization read or change another’s members', async () => {
      const a = await team();
      const b = await team();
      await request(t.http)
        .get(`/v1/organizations/${b.organizationId}/members`)
        .set(bearer(a.owner.accessToken))
        .expect(404);
      await request(t.http)
        .delete(`/v1/organizations/${b.organizationId}/members/${b.members.viewer.userId}`)
        .set(bearer(a.owner.accessToken))
        .expect(404);
      // A's owner cannot reach B's member through A's path either.
      await request(t.http)
        .delete(`/v1/organizations/${a.organizationId}/members/${b.members.viewer.userId}`)
        .set(bearer(a.owner.accessToken))
        .expect(404);
      const list = await request(t.http)
        .get(`/v1/organizations/${b.organizationId}/members`)
        .set(bearer(b.owner.accessToken))
        .expect(200);
      expect(list.body.data).toHaveLength(4);
    });
  });

  describe('X-Organization-ID and GET /v1/iam/users', () => {
    it('selects the organization for a user in several, with X-Client-ID as an alias', async () => {
      const { organizationId, members, inOrg } = await team();
      const users = await request(t.http)
        .get('/v1/iam/users')
        .set(inOrg(members.viewer))
        .expect(200);
      expect(users.body.data).toHaveLength(4);
      const alias = await request(t.http)
        .get('/v1/auth/verify')
        .set({ ...bearer(members.viewer.accessToken), 'X-Client-ID': organizationId })
        .expect(200);
      expect(alias.body.organization_id).toBe(organizationId);
      const own = await request(t.http)
        .get('/v1/iam/users')
        .set(bearer(members.viewer.accessToken))
        .expect(200);
      expect(own.body.data).toEqual([
        expect.objectContaining({ user_id: members.viewer.userId, role: 'owner' }),
      ]);
    });

    it('answers 403 for an organization the user is not in', async () => {
      const { organizationId } = await team();
      const outsider = await createUser(t, 'peeker');
      const response = await request(t.http)
        .get('/v1/iam/users')
        .set({ ...bearer(outsider.accessToken), 'X-Organization-ID': organizationId })
        .expect(403);
      expect(response.body.detail).toBe('Not a member of this organization');
    });

    it('lets the instance administrator act in any organization, and asks it to name one', async () => {
      const { organizationId } = await team();
      const users = await request(t.http)
        .get('/v1/iam/users')
        .set({ ...admin, 'X-Organization-ID': organizationId })
        .expect(200);
      expect(users.body.data).toHaveLength(4);
      await request(t.http).get('/v1/iam/users').set(admin).expect(400);
    });

    it('does not take a wrong administrator token as one', async () => {
      await request(t.http)
        .get('/v1/organizations')
        .set(bearer(`${TEST_ADMIN_TOKEN}x`))
        .expect(401);
      const user = await createUser(t, 'someone');
      const tokens = await login(t, user.email, user.password);
      await request(t.http).get('/v1/organizations').set(bearer(tokens.access_token)).expect(200);
    });
  });
});

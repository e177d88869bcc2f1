import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RedisConnections } from '../../src/common/cluster/redis-connections';
import { uuidv7 } from '../../src/common/ids';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { ClientSecrets } from '../../src/modules/oauth/clients/client-secrets';
import {
  OAuthClientChange,
  OAuthClientChanges,
} from '../../src/modules/oauth/clients/oauth-client-changes';
import { OAuthClientsRepository } from '../../src/modules/oauth/clients/oauth-clients.repository';
import { AuthorizationCode } from '../../src/modules/oauth/storage/authorization-code.entity';
import { OAuthClient } from '../../src/modules/oauth/storage/oauth-client.entity';
import { OAuthGrant } from '../../src/modules/oauth/storage/oauth-grant.entity';
import { OAuthRefreshToken } from '../../src/modules/oauth/storage/oauth-refresh-token.entity';
import { asKey, createApiKey } from '../utils/api-keys';
import { twoInstances } from '../utils/cluster';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { describeWithSharedRedis, TEST_REDIS_URL, waitFor } from '../utils/redis';
import { createTeam, Team } from '../utils/teams';

type Headers = Record<string, string>;

interface Client {
  client_id: string;
  client_secret?: string;
  [field: string]: unknown;
}

const CLIENT_ID = /^client_[0-9a-f]{32}$/;
const CLIENT_SECRET = /^tcs_[A-Za-z0-9_-]{43}$/;
const CALLBACK = 'https://app.example.com/callback';

/** A web app's registration, changed by `fields`. */
const webApp = (fields: Record<string, unknown> = {}) => ({
  name: 'Acme dashboard',
  client_type: 'confidential',
  redirect_uris: [CALLBACK],
  scopes: ['openid', 'profile', 'translate:read'],
  ...fields,
});

describe('OAuth clients (/v1/oauth/clients)', () => {
  let t: TestApp;
  let team: Team;
  let owner: Headers;
  let stranger: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    team = await createTeam(t);
    owner = team.inOrg(team.owner);
    stranger = await createUser(t, 'oauth-stranger');
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const register = (headers: Headers, body: object) =>
    request(t.http).post('/v1/oauth/clients').set(headers).send(body);
  const registered = async (headers: Headers, body: object): Promise<Client> =>
    (await register(headers, body).expect(201)).body;
  const get = (headers: Headers, id: string) =>
    request(t.http).get(`/v1/oauth/clients/${id}`).set(headers);
  const patch = (headers: Headers, id: string, body: object) =>
    request(t.http).patch(`/v1/oauth/clients/${id}`).set(headers).send(body);
  const rotate = (headers: Headers, id: string, body: object = {}) =>
    request(t.http).post(`/v1/oauth/clients/${id}/secret`).set(headers).send(body);
  const remove = (headers: Headers, id: string) =>
    request(t.http).delete(`/v1/oauth/clients/${id}`).set(headers);
  const list = (headers: Headers, query = 'limit=100') =>
    request(t.http).get(`/v1/oauth/clients?${query}`).set(headers);

  const rowOf = (id: string) =>
    t.app.get(DataSource).getRepository(OAuthClient).findOneByOrFail({ id });
  /** The team's clients: other suites register theirs in the same database meanwhile. */
  const clientCount = () =>
    t.app
      .get(DataSource)
      .getRepository(OAuthClient)
      .countBy({ organizationId: team.organizationId });

  /** The 422's issues, as `loc type` lines. */
  const issuesOf = (response: request.Response): string[] =>
    (response.body.detail as { loc: (string | number)[]; type: string }[]).map(
      (issue) => `${issue.loc.join('.')} ${issue.type}`,
    );

  describe('registering', () => {
    it('registers a confidential client: the secret once, in the contract shape, stored only as a keyed hash', async () => {
      const created = await registered(owner, webApp());
      expect(created).toEqual({
        client_id: expect.stringMatching(CLIENT_ID),
        client_secret: expect.stringMatching(CLIENT_SECRET),
        name: 'Acme dashboard',
        client_type: 'confidential',
        redirect_uris: [CALLBACK],
        post_logout_redirect_uris: [],
        grant_types: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'translate:read'],
        organization_id: team.organizationId,
        created: expect.any(String),
        updated: created.created,
        previous_secret_expires_at: null,
      });
      const secret = created.client_secret!;

      const one = await get(owner, created.client_id).expect(200);
      const all = await list(owner).expect(200);
      expect(one.body).not.toHaveProperty('client_secret');
      expect(all.body.data).toContainEqual(one.body);
      for (const body of [one.body, all.body]) expect(JSON.stringify(body)).not.toContain(secret);
      expect(one.body).toEqual({ ...created, client_secret: undefined });

      const row = await rowOf(created.client_id);
      const secrets = t.app.get(ClientSecrets);
      expect(row.secretHash).toBe(secrets.hash(secret));
      expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(secret.slice(4));
      expect(secrets.accepts(row, secret)).toBe(true);
      expect(row.firstParty).toBe(false);
      expect(row.createdBy).toBe(`user:${team.owner.userId}`);
      expect(t.logs.lines.join('\n')).not.toContain(secret);
    });

    it('registers a public client (a native app) without a secret', async () => {
      const created = await registered(owner, {
        name: 'Acme for iOS',
        client_type: 'public',
        redirect_uris: ['com.example.app:/oauth2redirect', 'http://127.0.0.1:8400/callback'],
        post_logout_redirect_uris: ['com.example.app:/signed-out'],
        scopes: ['openid', 'offline_access'],
      });
      expect(created).not.toHaveProperty('client_secret');
      expect(created).toEqual(
        expect.objectContaining({
          client_type: 'public',
          redirect_uris: ['com.example.app:/oauth2redirect', 'http://127.0.0.1:8400/callback'],
          post_logout_redirect_uris: ['com.example.app:/signed-out'],
          grant_types: ['authorization_code', 'refresh_token'],
        }),
      );
      const row = await rowOf(created.client_id);
      expect(row.secretHash).toBeNull();
      expect(t.app.get(ClientSecrets).accepts(row, '')).toBe(false);
    });

    it('registers a machine-to-machine client with no redirect URI', async () => {
      const created = await registered(owner, {
        name: 'nightly job',
        client_type: 'confidential',
        grant_types: ['client_credentials'],
        scopes: ['translate:write'],
      });
      expect(created).toEqual(
        expect.objectContaining({ redirect_uris: [], grant_types: ['client_credentials'] }),
      );
    });

    it('accepts https and http on the loopback hosts only, exactly as given', async () => {
      const uris = [
        'https://app.example.com:8443/cb?tenant=acme',
        'http://127.0.0.1:53682/callback',
        'http://[::1]:8080/',
        'http://localhost:3000/auth/callback',
      ];
      const created = await registered(owner, webApp({ redirect_uris: [...uris, uris[0]] }));
      expect(created.redirect_uris).toEqual(uris);
    });

    it('refuses redirect URIs a client may not have, at their index, and stores nothing', async () => {
      const before = await clientCount();
      const refused = async (body: object) => issuesOf(await register(owner, body).expect(422));

      expect(
        await refused(
          webApp({
            redirect_uris: [
              CALLBACK,
              'http://app.example.com/callback',
              'https://app.example.com/callback#done',
              'javascript:alert(1)',
              '/callback',
              'http://127.0.0.1@evil.example/cb',
            ],
          }),
        ),
      ).toEqual([1, 2, 3, 4, 5].map((index) => `body.redirect_uris.${index} value_error.url`));
      // A private-use scheme is a native app's: a confidential client may not claim one.
      expect(
        await refused(webApp({ redirect_uris: [CALLBACK, 'com.example.app:/callback'] })),
      ).toEqual(['body.redirect_uris.1 value_error.url']);
      expect(
        await refused(webApp({ post_logout_redirect_uris: ['http://app.example.com/bye'] })),
      ).toEqual(['body.post_logout_redirect_uris.0 value_error.url']);
      expect(
        await refused(
          webApp({
            redirect_uris: Array.from({ length: 21 }, (_, i) => `${CALLBACK}/${i}`),
          }),
        ),
      ).toEqual(['body.redirect_uris value_error.list.max_items']);
      expect(await refused(webApp({ redirect_uris: [`${CALLBACK}/${'a'.repeat(2000)}`] }))).toEqual(
        expect.arrayContaining(['body.redirect_uris value_error.any_str.max_length']),
      );
      // The browser flow needs somewhere to send the code.
      expect(await refused(webApp({ redirect_uris: [] }))).toEqual([
        'body.redirect_uris value_error.list.min_items',
      ]);
      expect(await refused(webApp({ redirect_uris: undefined }))).toEqual([
        'body.redirect_uris value_error.list.min_items',
      ]);
      expect(await clientCount()).toBe(before);
    });

    it('refuses grant types a client may not have', async () => {
      const before = await clientCount();
      const refused = async (body: object) => issuesOf(await register(owner, body).expect(422));
      // No secret, nothing to authenticate client_credentials with.
      expect(
        await refused(webApp({ client_type: 'public', grant_types: ['client_credentials'] })),
      ).toEqual(['body.grant_types value_error.grant_type']);
      // The JWT bearer grant belongs to service accounts.
      expect(
        await refused(
          webApp({
            grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
          }),
        ),
      ).toEqual(['body.grant_types.1 value_error.grant_type']);
      expect(await refused(webApp({ grant_types: ['password'] }))).toEqual([
        'body.grant_types.0 value_error.grant_type',
      ]);
      expect(await refused(webApp({ grant_types: ['refresh_token'] }))).toEqual([
        'body.grant_types value_error.grant_type',
      ]);
      expect(await refused(webApp({ grant_types: [] }))).toEqual([
        'body.grant_types value_error.list.min_items',
      ]);
      expect(await refused(webApp({ client_type: 'spa' }))).toEqual([
        'body.client_type type_error.enumeration',
      ]);
      expect(await clientCount()).toBe(before);
    });

    it('takes scopes of the catalogue and OpenID Connect only', async () => {
      const response = await register(
        owner,
        webApp({ scopes: ['openid', 'translate:read', 'phone', 'translate:everything'] }),
      ).expect(422);
      expect(issuesOf(response)).toEqual([
        'body.scopes.2 value_error.scope',
        'body.scopes.3 value_error.scope',
      ]);
      expect(issuesOf(await register(owner, webApp({ scopes: [] })).expect(422))).toEqual([
        'body.scopes value_error.list.min_items',
      ]);
      const wildcard = await registered(owner, webApp({ scopes: ['translate:*', 'email'] }));
      expect(wildcard.scopes).toEqual(['translate:*', 'email']);
    });
  });

  describe('who may', () => {
    it('lets a viewer and a member read clients but not register them', async () => {
      const created = await registered(owner, webApp());
      for (const role of ['viewer', 'member'] as const) {
        const as = team.inOrg(team.members[role]);
        await list(as).expect(200);
        await get(as, created.client_id).expect(200);
        const refused = await register(as, webApp()).expect(403);
        expect(refused.body.detail).toBe('Missing permission: oauth_clients.write');
        await patch(as, created.client_id, { name: 'x' }).expect(403);
        await rotate(as, created.client_id).expect(403);
        await remove(as, created.client_id).expect(403);
      }
      await get(owner, created.client_id).expect(200);
    });

    it('never lets a credential give a client scopes it lacks itself (OpenID Connect scopes aside)', async () => {
      // An admin's key that may manage clients but holds one resource scope.
      const key = await createApiKey(t, team.inOrg(team.members.admin), {
        name: 'client manager',
        scopes: ['oauth_clients:read', 'oauth_clients:write', 'translate:read'],
      });
      const asKeyOfAdmin = asKey(key.key);
      const within = await registered(
        asKeyOfAdmin,
        webApp({ scopes: ['openid', 'profile', 'email', 'offline_access', 'translate:read'] }),
      );
      expect(within.organization_id).toBe(team.organizationId);
      const before = await clientCount();
      for (const scopes of [['translate:write'], ['translate:*'], ['admin:*']]) {
        const refused = await register(asKeyOfAdmin, webApp({ scopes })).expect(403);
        expect(refused.body).toEqual({
          detail: `Cannot grant scopes you do not have: ${scopes[0]}`,
          code: 'scope_escalation',
        });
      }
      expect(await clientCount()).toBe(before);

      // A wider client, registered by the owner: the key may narrow or rename it, no more.
      const wide = await registered(
        owner,
        webApp({ scopes: ['openid', 'translate:read', 'translate:write'] }),
      );
      await patch(asKeyOfAdmin, wide.client_id, {
        redirect_uris: [CALLBACK, 'https://evil.example/cb'],
      }).expect(403);
      await patch(asKeyOfAdmin, wide.client_id, { grant_types: ['client_credentials'] }).expect(
        403,
      );
      await patch(asKeyOfAdmin, wide.client_id, { grant_types: ['authorization_code'] }).expect(
        200,
      );
      await patch(asKeyOfAdmin, wide.client_id, {
        grant_types: ['authorization_code', 'refresh_token'],
      }).expect(403);
      await rotate(asKeyOfAdmin, wide.client_id).expect(403);
      await remove(asKeyOfAdmin, wide.client_id).expect(403);
      const narrowed = await patch(asKeyOfAdmin, wide.client_id, {
        name: 'narrowed',
        scopes: ['openid', 'translate:read'],
      }).expect(200);
      expect(narrowed.body).toEqual(
        expect.objectContaining({ name: 'narrowed', scopes: ['openid', 'translate:read'] }),
      );
      const widened = await patch(asKeyOfAdmin, wide.client_id, {
        scopes: ['openid', 'translate:read', 'translate:write'],
      }).expect(403);
      expect(widened.body.code).toBe('scope_escalation');
      // Now within the key's power: it may do anything to it.
      await patch(asKeyOfAdmin, wide.client_id, {
        redirect_uris: ['https://app.example.com/other'],
        grant_types: ['authorization_code'],
      }).expect(200);
      await rotate(asKeyOfAdmin, wide.client_id).expect(200);
      await remove(asKeyOfAdmin, wide.client_id).expect(204);
    });
  });

  describe('changing', () => {
    it('replaces the fields a PATCH names and keeps the others', async () => {
      const created = await registered(owner, webApp());
      const updated = await patch(owner, created.client_id, {
        name: 'Acme console',
        redirect_uris: ['https://console.example.com/cb', 'https://console.example.com/cb'],
        post_logout_redirect_uris: ['https://console.example.com/'],
        grant_types: ['authorization_code'],
        scopes: ['openid', 'documents:read'],
      }).expect(200);
      expect(updated.body).toEqual({
        ...created,
        client_secret: undefined,
        name: 'Acme console',
        redirect_uris: ['https://console.example.com/cb'],
        post_logout_redirect_uris: ['https://console.example.com/'],
        grant_types: ['authorization_code'],
        scopes: ['openid', 'documents:read'],
        updated: expect.any(String),
      });
      expect(Date.parse(updated.body.updated)).toBeGreaterThanOrEqual(
        Date.parse(created.created as string),
      );
      await get(owner, created.client_id).expect(200, updated.body);
      // The secret is untouched.
      expect(
        t.app.get(ClientSecrets).accepts(await rowOf(created.client_id), created.client_secret!),
      ).toBe(true);
    });

    it('checks the merged settings: a change that breaks a rule is a 422 and changes nothing', async () => {
      const web = await registered(owner, webApp());
      expect(
        issuesOf(await patch(owner, web.client_id, { redirect_uris: [] }).expect(422)),
      ).toEqual(['body.redirect_uris value_error.list.min_items']);
      const native = await registered(
        owner,
        webApp({ client_type: 'public', redirect_uris: ['com.example.app:/cb'] }),
      );
      expect(
        issuesOf(
          await patch(owner, native.client_id, {
            grant_types: ['authorization_code', 'client_credentials'],
          }).expect(422),
        ),
      ).toEqual(['body.grant_types value_error.grant_type']);
      expect(
        issuesOf(
          await patch(owner, web.client_id, { redirect_uris: ['com.example.app:/cb'] }).expect(422),
        ),
      ).toEqual(['body.redirect_uris.0 value_error.url']);
      await patch(owner, web.client_id, { client_type: 'public' }).expect(422);
      await patch(owner, web.client_id, { client_secret: 'mine' }).expect(422);
      const { client_secret: _secret, ...webAsShown } = web;
      await get(owner, web.client_id).expect(200, webAsShown);
      await get(owner, native.client_id).expect(200, native);
    });
  });

  describe('rotating the secret', () => {
    it('ends the old secret at once by default', async () => {
      const created = await registered(owner, webApp());
      const rotated = await rotate(owner, created.client_id).expect(200);
      expect(rotated.body).toEqual({
        ...created,
        client_secret: expect.stringMatching(CLIENT_SECRET),
        updated: expect.any(String),
        previous_secret_expires_at: null,
      });
      expect(rotated.body.client_secret).not.toBe(created.client_secret);
      const row = await rowOf(created.client_id);
      const secrets = t.app.get(ClientSecrets);
      expect(secrets.accepts(row, rotated.body.client_secret)).toBe(true);
      expect(secrets.accepts(row, created.client_secret!)).toBe(false);
      expect(row.previousSecretHash).toBeNull();
      const one = await get(owner, created.client_id).expect(200);
      expect(one.body).not.toHaveProperty('client_secret');
      expect(JSON.stringify(one.body)).not.toContain(rotated.body.client_secret);
    });

    it('keeps the old secret working for the grace period, then only the new one', async () => {
      const created = await registered(owner, webApp());
      const before = Date.now();
      const rotated = await rotate(owner, created.client_id, { grace_period_seconds: 3600 }).expect(
        200,
      );
      const graceEnds = Date.parse(rotated.body.previous_secret_expires_at);
      expect(graceEnds - before).toBeGreaterThanOrEqual(3_600_000);
      expect(graceEnds - Date.now()).toBeLessThanOrEqual(3_600_000);
      const one = await get(owner, created.client_id).expect(200);
      expect(one.body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);

      const row = await rowOf(created.client_id);
      const secrets = t.app.get(ClientSecrets);
      expect(row.previousSecretExpiresAt?.toISOString()).toBe(
        rotated.body.previous_secret_expires_at,
      );
      expect(secrets.accepts(row, created.client_secret!)).toBe(true);
      expect(secrets.accepts(row, rotated.body.client_secret)).toBe(true);
      expect(secrets.accepts(row, created.client_secret!, graceEnds)).toBe(false);
      expect(secrets.accepts(row, rotated.body.client_secret, graceEnds)).toBe(true);

      // A second rotation keeps the secret it replaces, never the one before: at most two.
      const again = await rotate(owner, created.client_id, { grace_period_seconds: 60 }).expect(
        200,
      );
      const latest = await rowOf(created.client_id);
      expect(secrets.accepts(latest, created.client_secret!)).toBe(false);
      expect(secrets.accepts(latest, rotated.body.client_secret)).toBe(true);
      expect(secrets.accepts(latest, again.body.client_secret)).toBe(true);
    });

    it('refuses a grace period past a week, and a public client (it has no secret)', async () => {
      const created = await registered(owner, webApp());
      for (const grace_period_seconds of [604_801, -1, 1.5, '60', null]) {
        await rotate(owner, created.client_id, { grace_period_seconds }).expect(422);
      }
      await rotate(owner, created.client_id, { grace_period_seconds: 604_800 }).expect(200);
      const native = await registered(
        owner,
        webApp({ client_type: 'public', redirect_uris: ['com.example.app:/cb'] }),
      );
      const refused = await rotate(owner, native.client_id).expect(400);
      expect(refused.body).toEqual({
        detail: 'A public client has no secret to rotate',
        code: 'public_client',
      });
      expect((await rowOf(native.client_id)).secretHash).toBeNull();
    });

    it('stores a rotation only over the secret it read (of two racing, one wins)', async () => {
      const created = await registered(owner, webApp());
      const row = await rowOf(created.client_id);
      const secrets = t.app.get(ClientSecrets);
      const repository = t.app.get(OAuthClientsRepository);
      const replacement = {
        secretHash: secrets.generate().hash,
        previousSecretHash: null,
        previousSecretExpiresAt: null,
        updatedAt: new Date(),
      };
      const stale = secrets.generate().hash;
      expect(await repository.rotateSecret(team.organizationId, row.id, stale, replacement)).toBe(
        false,
      );
      expect((await rowOf(row.id)).secretHash).toBe(row.secretHash);
      expect(
        await repository.rotateSecret(team.organizationId, row.id, row.secretHash!, replacement),
      ).toBe(true);
      expect(
        await repository.rotateSecret(team.organizationId, row.id, row.secretHash!, replacement),
      ).toBe(false);
    });
  });

  describe('deleting', () => {
    it('deletes the client with its grants, codes and refresh tokens, and tells every token verifier', async () => {
      const created = await registered(owner, webApp());
      const kept = await registered(owner, webApp({ name: 'kept' }));
      const heard: OAuthClientChange[] = [];
      t.app.get(OAuthClientChanges).onDeleted((change) => heard.push(change));
      const dataSource = t.app.get(DataSource);
      const grantOf = async (clientId: string): Promise<string> => {
        const grant = {
          id: uuidv7(),
          clientId,
          userId: team.owner.userId,
          organizationId: team.organizationId,
          scopes: 'openid',
          createdAt: new Date(),
          lastUsedAt: null,
        };
        await dataSource.getRepository(OAuthGrant).insert(grant);
        const now = new Date();
        await dataSource.getRepository(OAuthRefreshToken).insert({
          id: uuidv7(),
          grantId: grant.id,
          tokenHash: randomBytes(32).toString('hex'),
          scopes: 'openid',
          authTime: now,
          amr: 'pwd',
          createdAt: now,
          expiresAt: new Date(now.getTime() + 86_400_000),
          usedAt: null,
        });
        await dataSource.getRepository(AuthorizationCode).insert({
          codeHash: randomBytes(32).toString('hex'),
          grantId: grant.id,
          clientId,
          userId: team.owner.userId,
          organizationId: team.organizationId,
          redirectUri: CALLBACK,
          scopes: 'openid',
          codeChallenge: null,
          nonce: null,
          authTime: now,
          amr: 'pwd',
          createdAt: now,
          expiresAt: new Date(now.getTime() + 60_000),
          usedAt: null,
        });
        return grant.id;
      };
      const deletedGrant = await grantOf(created.client_id);
      const keptGrant = await grantOf(kept.client_id);

      await remove(owner, created.client_id).expect(204);
      // Heard by the time the answer came: a verifier on this instance has dropped it already.
      // Of this test's clients: on MariaDB the instance also reads other suites' deletions from
      // the database they share.
      const ours = [created.client_id, kept.client_id];
      expect(heard.filter((change) => ours.includes(change.id))).toEqual([
        { id: created.client_id, organizationId: team.organizationId, change: 'deleted' },
      ]);
      await get(owner, created.client_id).expect(404);
      await remove(owner, created.client_id).expect(404);
      await rotate(owner, created.client_id).expect(404);
      expect(await dataSource.getRepository(OAuthClient).countBy({ id: created.client_id })).toBe(
        0,
      );
      for (const [grantId, left] of [
        [deletedGrant, 0],
        [keptGrant, 1],
      ] as const) {
        expect(await dataSource.getRepository(OAuthGrant).countBy({ id: grantId })).toBe(left);
        expect(await dataSource.getRepository(OAuthRefreshToken).countBy({ grantId })).toBe(left);
        expect(await dataSource.getRepository(AuthorizationCode).countBy({ grantId })).toBe(left);
      }
      // Logged for the instances that miss it over Redis.
      const logged: { event: string }[] = await dataSource.query(
        'SELECT event FROM cache_invalidations ORDER BY seq DESC',
      );
      expect(logged.map((row) => JSON.parse(row.event))).toContainEqual({
        kind: 'oauth_client',
        id: created.client_id,
        organizationId: team.organizationId,
        change: 'deleted',
      });
    });
  });

  describe('tenant isolation', () => {
    it('answers 404 for another organization’s client on every route, and lists only its own', async () => {
      const created = await registered(owner, webApp());
      const outsiders: Headers[] = [
        bearer(stranger.accessToken),
        asKey(
          (
            await createApiKey(t, bearer(stranger.accessToken), {
              name: 'stranger',
              scopes: ['admin:*'],
            })
          ).key,
        ),
        // The team's own owner, acting in their personal organization.
        { ...bearer(team.owner.accessToken), 'X-Organization-ID': team.owner.organizationId },
      ];
      for (const outsider of outsiders) {
        for (const response of [
          await get(outsider, created.client_id),
          await patch(outsider, created.client_id, { name: 'mine now' }),
          await rotate(outsider, created.client_id),
          await remove(outsider, created.client_id),
        ]) {
          expect({ status: response.status, body: response.body }).toEqual({
            status: 404,
            body: { detail: 'OAuth client not found' },
          });
        }
        const theirs = await list(outsider).expect(200);
        expect(theirs.body.data.map((c: Client) => c.client_id)).not.toContain(created.client_id);
      }
      // And the same answer for ids no client has, of any shape.
      for (const id of [
        'client_0123456789abcdef0123456789abcdef',
        'CLIENT_x',
        created.client_id.toUpperCase(),
      ]) {
        await get(owner, id).expect(404, { detail: 'OAuth client not found' });
      }
      const row = await rowOf(created.client_id);
      expect(row.name).toBe('Acme dashboard');
      expect(t.app.get(ClientSecrets).accepts(row, created.client_secret!)).toBe(true);
    });
  });

  it('lists newest first, a page at a time', async () => {
    const own = await createUser(t, 'oauth-pages');
    const headers = bearer(own.accessToken);
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three'])
      ids.push((await registered(headers, webApp({ name }))).client_id);
    const first = await list(headers, 'limit=2').expect(200);
    expect(first.body.data.map((c: Client) => c.client_id)).toEqual([ids[2], ids[1]]);
    expect(first.body.has_more).toBe(true);
    const second = await list(headers, `limit=2&starting_after=${ids[1]}`).expect(200);
    expect(second.body).toEqual({
      data: [expect.objectContaining({ client_id: ids[0] })],
      has_more: false,
    });
    for (const client of [...first.body.data, ...second.body.data])
      expect(client).not.toHaveProperty('client_secret');
  });

  it('records every change in the audit log, never a secret', async () => {
    const own = await createUser(t, 'oauth-audit');
    const headers = bearer(own.accessToken);
    const created = await registered(headers, webApp());
    await patch(headers, created.client_id, { name: 'renamed', scopes: ['openid'] }).expect(200);
    const rotated = await rotate(headers, created.client_id, { grace_period_seconds: 60 }).expect(
      200,
    );
    await remove(headers, created.client_id).expect(204);
    await t.app.get(AuditWriter).drain();
    const events = await request(t.http)
      .get(`/v1/audit-logs?limit=100&target_id=${created.client_id}`)
      .set(headers)
      .expect(200);
    const byAction = Object.fromEntries(
      (events.body.data as { action: string }[]).map((event) => [event.action, event]),
    );
    const target = { type: 'oauth_client', id: created.client_id };
    const actor = expect.objectContaining({ type: 'user', id: own.userId });
    expect(byAction).toEqual({
      'oauth_client.created': expect.objectContaining({
        target,
        actor,
        outcome: 'success',
        metadata: {
          name: 'Acme dashboard',
          client_type: 'confidential',
          redirect_uris: [CALLBACK],
          post_logout_redirect_uris: [],
          grant_types: ['authorization_code', 'refresh_token'],
          scopes: ['openid', 'profile', 'translate:read'],
        },
      }),
      'oauth_client.updated': expect.objectContaining({
        target,
        metadata: { changed: ['name', 'scopes'], name: 'renamed', scopes: ['openid'] },
      }),
      'oauth_client.secret_rotated': expect.objectContaining({
        target,
        metadata: {
          grace_period_seconds: 60,
          grace_ends_at: rotated.body.previous_secret_expires_at,
        },
      }),
      'oauth_client.deleted': expect.objectContaining({
        target,
        metadata: { name: 'renamed', client_type: 'confidential' },
      }),
    });
    const text = JSON.stringify(events.body);
    for (const secret of [created.client_secret!, rotated.body.client_secret as string])
      expect(text).not.toContain(secret);
  });
});

describeWithSharedRedis('OAuth client changes on several instances', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    [a, b] = await twoInstances({ REDIS_URL: TEST_REDIS_URL });
    await waitFor(
      () => a.app.get(RedisConnections).isReady() && b.app.get(RedisConnections).isReady(),
      5000,
    );
  });
  afterAll(async () => {
    expect([...a.logs.serverErrors(), ...b.logs.serverErrors()]).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('tells a subscriber on another instance of a rotation and a deletion by the time the answer comes', async () => {
    const heardOnB: OAuthClientChange[] = [];
    b.app.get(OAuthClientChanges).onChange((change) => heardOnB.push(change));
    const owner = await createUser(a, 'oauth-cluster');
    const created = await request(a.http)
      .post('/v1/oauth/clients')
      .set(bearer(owner.accessToken))
      .send(webApp())
      .expect(201);
    const id = created.body.client_id as string;
    await request(a.http)
      .post(`/v1/oauth/clients/${id}/secret`)
      .set(bearer(owner.accessToken))
      .expect(200);
    await request(a.http)
      .delete(`/v1/oauth/clients/${id}`)
      .set(bearer(owner.accessToken))
      .expect(204);
    // This client's, at least once, in order: the log's reader may apply a change Redis brings
    // too, and other suites' instances publish their clients' changes on the same Redis.
    const heard = heardOnB.filter((change) => change.id === id);
    const inOrder = heard.filter((change, i) => i === 0 || change.change !== heard[i - 1].change);
    expect(inOrder).toEqual([
      { id, organizationId: owner.organizationId, change: 'secret_rotated' },
      { id, organizationId: owner.organizationId, change: 'deleted' },
    ]);
  });
});

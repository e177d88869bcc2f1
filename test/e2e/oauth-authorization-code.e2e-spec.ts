import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuthorizationCodes } from '../../src/modules/oauth/grants/authorization-codes';
import { OAuthGrants } from '../../src/modules/oauth/grants/oauth-grants';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { ownDatabase } from '../utils/own-database';
import { withInsertsRefused } from '../utils/refused-inserts';
import {
  basicAuth,
  ClientRegistrar,
  ClientSettings,
  clientCredentialsToken,
  CodeSettings,
  grantedCode,
  pkcePair,
  registerClient,
  TestClient,
} from '../utils/oauth';
import { addMember, createTeam, setRole, Team } from '../utils/teams';
import { TestClock } from '../utils/test-clock';

const REDIRECT = 'https://app.example/callback';
/** What the suite's clients may ask for: OpenID Connect's scopes and a few of /v1's. */
const CLIENT_SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'translate:read',
  'translate:write',
  'organizations:read',
  'api_keys:read',
  'api_keys:write',
];
const DAY_MS = 86_400_000;

interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope: string;
  grantId: string;
}

/** A team's owner acting in the team (registers its clients). */
const ownerOf = (team: Team): ClientRegistrar => ({
  accessToken: team.owner.accessToken,
  organizationId: team.organizationId,
});

describe('OAuth: authorization code, refresh tokens, ID tokens, userinfo, user grants', () => {
  let t: TestApp;
  let clock: TestClock;
  let owner: TestUser;
  /** The URLs of the 5xx answers a test provoked on purpose (a database that refuses a write). */
  const provokedServerErrors: string[] = [];

  beforeAll(async () => {
    clock = new TestClock(Date.now());
    // Of its own: the suite prunes codes and refresh tokens by date, and moves its clock a month
    // on, by which the app's pruning job would delete every other suite's too.
    t = await createTestApp(ownDatabase('oauth_authorization_code'), { clock });
    owner = await createUser(t, 'oauth-code-owner');
  });

  afterAll(async () => {
    const urls = t.logs.serverErrors().map((entry) => (entry.req as { url: string }).url);
    expect(urls).toEqual(provokedServerErrors);
    await t.close();
  });

  /** A client of the owner's organization (or `organizationId`'s) that may use both grants. */
  const newClient = (by: ClientRegistrar = owner, settings: ClientSettings = {}) =>
    registerClient(t, by, {
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: CLIENT_SCOPES,
      redirectUris: [REDIRECT],
      ...settings,
    });

  const tokenRequest = (body: Record<string, string>, client?: TestClient) =>
    request(t.http)
      .post('/oauth/token')
      .set(client && client.clientSecret ? basicAuth(client.clientId, client.clientSecret) : {})
      .type('form')
      .send(body);

  const exchange = (client: TestClient, code: string, extra: Record<string, string> = {}) =>
    tokenRequest(
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...extra },
      client,
    );

  const refresh = (client: TestClient, refreshToken: string, extra: Record<string, string> = {}) =>
    tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, client);

  const codeFor = (client: TestClient, settings: Partial<CodeSettings> = {}) =>
    grantedCode(t, {
      client,
      userId: owner.userId,
      scopes: ['openid', 'offline_access', 'translate:read'],
      redirectUri: REDIRECT,
      ...settings,
    });

  /** A code exchanged: the tokens, asserting 200. */
  async function tokensFor(
    client: TestClient,
    settings: Partial<CodeSettings> = {},
  ): Promise<Tokens> {
    const { code, grantId } = await codeFor(client, settings);
    const response = await exchange(client, code).expect(200);
    return { ...response.body, grantId };
  }

  const verify = (accessToken: string, headers: Record<string, string> = {}) =>
    request(t.http).get('/v1/auth/verify').set(bearer(accessToken)).set(headers);

  const jwks = async () =>
    createLocalJWKSet((await request(t.http).get('/.well-known/jwks.json').expect(200)).body);

  describe('the code exchange', () => {
    it('answers an access token for the user, a refresh token and an ID token the JWKS verifies', async () => {
      const client = await newClient();
      const authTime = new Date(Date.now() - 30_000);
      const { code, grantId } = await codeFor(client, {
        scopes: ['openid', 'profile', 'email', 'offline_access', 'translate:read'],
        nonce: 'n-0S6_WzA2Mj',
        authTime,
        amr: ['pwd', 'otp'],
      });
      const response = await exchange(client, code).expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'openid profile email offline_access translate:read',
        refresh_token: expect.stringMatching(/^ort_[A-Za-z0-9_-]{43}$/),
        id_token: expect.any(String),
      });
      const { access_token: accessToken, id_token: idToken } = response.body;

      const keys = await jwks();
      const { payload: access } = await jwtVerify(accessToken, keys, { typ: 'at+jwt' });
      expect(access).toMatchObject({
        sub: owner.userId,
        client_id: client.clientId,
        org_id: owner.organizationId,
        gid: grantId,
        scope: 'openid profile email offline_access translate:read',
        auth_time: Math.floor(authTime.getTime() / 1000),
      });

      const issuer = (await request(t.http).get('/.well-known/openid-configuration')).body.issuer;
      const { payload: id, protectedHeader } = await jwtVerify(idToken, keys, {
        issuer,
        audience: client.clientId,
        algorithms: ['RS256'],
      });
      expect(protectedHeader.typ).toBe('JWT');
      const atHash = createHash('sha256')
        .update(accessToken)
        .digest()
        .subarray(0, 16)
        .toString('base64url');
      expect(id).toMatchObject({
        sub: owner.userId,
        aud: client.clientId,
        azp: client.clientId,
        nonce: 'n-0S6_WzA2Mj',
        auth_time: Math.floor(authTime.getTime() / 1000),
        amr: ['pwd', 'otp'],
        at_hash: atHash,
        email: owner.email,
        email_verified: false,
        name: 'Test oauth-code-owner',
      });
      expect(id.exp! - id.iat!).toBe(3600);
    });

    it('releases in the ID token only what the scopes ask for, and no ID token without openid', async () => {
      const client = await newClient();
      const openidOnly = await tokensFor(client, { scopes: ['openid', 'translate:read'] });
      const claims = decodeJwt(openidOnly.id_token!);
      expect(claims.sub).toBe(owner.userId);
      expect(claims).not.toHaveProperty('email');
      expect(claims).not.toHaveProperty('name');
      expect(claims).not.toHaveProperty('nonce');

      const noOpenid = await tokensFor(await newClient(), { scopes: ['translate:read'] });
      expect(noOpenid.id_token).toBeUndefined();
    });

    it('gives a refresh token for offline_access or to a client registered to refresh, else none', async () => {
      const codeOnly = await newClient(owner, {
        grantTypes: ['authorization_code'],
      });
      const online = await tokensFor(codeOnly, { scopes: ['translate:read'] });
      expect(online.refresh_token).toBeUndefined();
      const offline = await tokensFor(
        await newClient(owner, {
          grantTypes: ['authorization_code'],
        }),
        { scopes: ['offline_access', 'translate:read'] },
      );
      expect(offline.refresh_token).toBeDefined();
      const refresher = await tokensFor(await newClient(), { scopes: ['translate:read'] });
      expect(refresher.refresh_token).toBeDefined();
    });

    it('never takes the ID token for an access token', async () => {
      const { id_token: idToken } = await tokensFor(await newClient());
      await verify(idToken!).expect(401);
    });

    it('needs code and redirect_uri, and refuses a code never issued', async () => {
      const client = await newClient();
      const missing = await tokenRequest(
        { grant_type: 'authorization_code', redirect_uri: REDIRECT },
        client,
      ).expect(400);
      expect(missing.body.error).toBe('invalid_request');
      const { code } = await codeFor(client);
      const noRedirect = await tokenRequest(
        { grant_type: 'authorization_code', code },
        client,
      ).expect(400);
      expect(noRedirect.body.error).toBe('invalid_request');
      const unknown = await exchange(client, 'A'.repeat(43)).expect(400);
      expect(unknown.body.error).toBe('invalid_grant');
      await exchange(client, code).expect(200);
    });
  });

  describe('a code is used once', () => {
    it('presented again, it ends the grant: the access and refresh tokens issued from it stop', async () => {
      const client = await newClient();
      const { code, grantId } = await codeFor(client);
      const first = await exchange(client, code).expect(200);
      await verify(first.body.access_token).expect(200);

      const again = await exchange(client, code).expect(400);
      expect(again.body.error).toBe('invalid_grant');
      await verify(first.body.access_token).expect(401);
      const refreshed = await refresh(client, first.body.refresh_token).expect(400);
      expect(refreshed.body.error).toBe('invalid_grant');

      const events = await request(t.http)
        .get(`/v1/audit-logs?target_id=${grantId}&limit=100`)
        .set(bearer(owner.accessToken))
        .expect(200);
      const actions = events.body.data.map((event: { action: string }) => event.action);
      expect(actions).toEqual(
        expect.arrayContaining(['oauth.token.reuse_detected', 'oauth.grant.ended']),
      );
      expect(JSON.stringify(events.body)).not.toContain(code);
      const logged = t.logs.lines.join('\n');
      for (const secret of [code, first.body.refresh_token, first.body.access_token]) {
        expect(logged).not.toContain(secret);
      }
    });

    it('of two exchanges at once, exactly one claims it; the other ends the grant', async () => {
      const client = await newClient();
      const { code } = await codeFor(client);
      const answers = await Promise.all([exchange(client, code), exchange(client, code)]);
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(1);
      expect(statuses).toContain(400);
      // Whatever the winner got is dead: the loser saw a used code and ended the grant.
      for (const answer of answers.filter((a) => a.status === 200)) {
        await verify(answer.body.access_token).expect(401);
      }

      const codes = t.app.get(AuthorizationCodes);
      const another = await codeFor(await newClient());
      const stored = (await codes.find(another.code))!;
      const claims = await Promise.all([codes.claim(stored), codes.claim(stored)]);
      expect(claims.sort()).toEqual([false, true]);
    });

    it('is refused once expired (OAUTH_CODE_TTL_SECONDS, 60 s)', async () => {
      const client = await newClient();
      const { code } = await codeFor(client);
      clock.advance(61_000);
      const expired = await exchange(client, code).expect(400);
      expect(expired.body.error).toBe('invalid_grant');
    });
  });

  describe('the code is bound to its client, redirect URI and PKCE verifier', () => {
    it('refuses another client’s code, which still works for its own', async () => {
      const client = await newClient();
      const { code } = await codeFor(client);
      const other = await newClient();
      const refused = await exchange(other, code).expect(400);
      expect(refused.body.error).toBe('invalid_grant');
      await exchange(client, code).expect(200);
    });

    it('refuses another redirect_uri, even a prefix or a case away', async () => {
      const client = await newClient();
      const { code } = await codeFor(client);
      for (const redirectUri of [`${REDIRECT}/`, REDIRECT.toUpperCase(), 'https://evil.example/']) {
        const refused = await exchange(client, code, { redirect_uri: redirectUri }).expect(400);
        expect(refused.body.error).toBe('invalid_grant');
      }
      await exchange(client, code).expect(200);
    });

    it('needs the verifier of the challenge the code was issued with', async () => {
      const client = await newClient();
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(client, { codeChallenge: challenge });
      const missing = await exchange(client, code).expect(400);
      expect(missing.body.error).toBe('invalid_grant');
      const wrong = await exchange(client, code, { code_verifier: pkcePair().verifier }).expect(
        400,
      );
      expect(wrong.body.error).toBe('invalid_grant');
      const plain = await exchange(client, code, { code_verifier: challenge }).expect(400);
      expect(plain.body.error).toBe('invalid_grant');
      await exchange(client, code, { code_verifier: verifier }).expect(200);
    });

    it('refuses a verifier for a code issued without a challenge (no downgrade)', async () => {
      const client = await newClient();
      const { code } = await codeFor(client);
      const refused = await exchange(client, code, { code_verifier: pkcePair().verifier }).expect(
        400,
      );
      expect(refused.body.error).toBe('invalid_grant');
    });

    it('lets a public client in with PKCE only', async () => {
      // No secret: it authenticates with client_id alone (method none).
      const spa = {
        ...(await newClient(owner, { clientType: 'public' })),
        clientSecret: '',
      };
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(spa, { codeChallenge: challenge });
      const response = await exchange(spa, code, {
        client_id: spa.clientId,
        code_verifier: verifier,
      }).expect(200);
      expect(response.body.refresh_token).toBeDefined();
      await verify(response.body.access_token).expect(200);

      const withoutChallenge = await codeFor(spa);
      const refused = await exchange(spa, withoutChallenge.code, {
        client_id: spa.clientId,
      }).expect(400);
      expect(refused.body.error).toBe('invalid_grant');
    });

    it('refuses a user who left the organization since', async () => {
      const team = await createTeam(t);
      const client = await newClient(ownerOf(team));
      const { code } = await grantedCode(t, {
        client,
        userId: team.members.member.userId,
        scopes: ['translate:read'],
        redirectUri: REDIRECT,
      });
      await request(t.http)
        .delete(`/v1/organizations/${team.organizationId}/members/${team.members.member.userId}`)
        .set(bearer(team.owner.accessToken))
        .expect(204);
      const refused = await exchange(client, code).expect(400);
      expect(refused.body.error).toBe('invalid_grant');
    });
  });

  describe('refresh tokens', () => {
    it('rotate on every use; the old one presented again ends the grant', async () => {
      const client = await newClient();
      const authTime = new Date(Date.now() - 60_000);
      const first = await tokensFor(client, {
        scopes: ['openid', 'offline_access', 'translate:read'],
        nonce: 'first-nonce',
        authTime,
      });
      const second = await refresh(client, first.refresh_token!).expect(200);
      expect(second.headers['cache-control']).toBe('no-store');
      expect(second.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'openid offline_access translate:read',
        refresh_token: expect.stringMatching(/^ort_/),
        id_token: expect.any(String),
      });
      expect(second.body.refresh_token).not.toBe(first.refresh_token);
      const { payload: id } = await jwtVerify(second.body.id_token, await jwks(), {
        audience: client.clientId,
      });
      expect(id.auth_time).toBe(Math.floor(authTime.getTime() / 1000));
      expect(id).not.toHaveProperty('nonce');
      await verify(second.body.access_token).expect(200);

      const reused = await refresh(client, first.refresh_token!).expect(400);
      expect(reused.body.error).toBe('invalid_grant');
      await verify(second.body.access_token).expect(401);
      await verify(first.access_token).expect(401);
      await refresh(client, second.body.refresh_token).expect(400);

      const events = await request(t.http)
        .get(`/v1/audit-logs?action=oauth.token.reuse_detected&target_id=${first.grantId}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(events.body.data).toHaveLength(1);
      expect(events.body.data[0].metadata).toMatchObject({ kind: 'refresh_token' });
      expect(JSON.stringify(events.body)).not.toContain(first.refresh_token);
    });

    it('may narrow the scope, never widen it; a refused request does not use the token up', async () => {
      const client = await newClient();
      const first = await tokensFor(client, {
        scopes: ['offline_access', 'translate:read', 'translate:write'],
      });
      const wider = await refresh(client, first.refresh_token!, {
        scope: 'translate:read documents:read',
      }).expect(400);
      expect(wider.body.error).toBe('invalid_scope');
      const openid = await refresh(client, first.refresh_token!, { scope: 'openid' }).expect(400);
      expect(openid.body.error).toBe('invalid_scope');

      const narrowed = await refresh(client, first.refresh_token!, {
        scope: 'translate:read',
      }).expect(200);
      expect(narrowed.body.scope).toBe('translate:read');
      expect(decodeJwt(narrowed.body.access_token).scope).toBe('translate:read');
      // The next refresh token still refreshes what was granted.
      const full = await refresh(client, narrowed.body.refresh_token).expect(200);
      expect(full.body.scope).toBe('offline_access translate:read translate:write');
    });

    it('refuses another client’s refresh token without using it up', async () => {
      const client = await newClient();
      const first = await tokensFor(client);
      const refused = await refresh(await newClient(), first.refresh_token!).expect(400);
      expect(refused.body.error).toBe('invalid_grant');
      await refresh(client, first.refresh_token!).expect(200);
    });

    it('stay usable when a refresh fails part way, so the client can retry', async () => {
      const client = await newClient();
      const first = await tokensFor(client);
      // The database refuses the next refresh token's row: everything before it has run.
      await withInsertsRefused(t.app.get(DataSource), 'oauth_refresh_tokens', async () => {
        const failed = await refresh(client, first.refresh_token!);
        expect(failed.status).toBe(500);
        provokedServerErrors.push('/oauth/token');
      });

      const retried = await refresh(client, first.refresh_token!).expect(200);
      await verify(first.access_token).expect(200);
      await verify(retried.body.access_token).expect(200);
      await refresh(client, retried.body.refresh_token).expect(200);
    });

    it('let one of three refreshes racing with one token through, and end the grant', async () => {
      const client = await newClient();
      const first = await tokensFor(client);
      const answers = await Promise.all([1, 2, 3].map(() => refresh(client, first.refresh_token!)));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400]);
      const winner = answers.find((answer) => answer.status === 200)!;
      await refresh(client, winner.body.refresh_token).expect(400);
    });

    it('end with their family, OAUTH_REFRESH_TOKEN_MAX_DAYS after the code exchange', async () => {
      const client = await newClient();
      const first = await tokensFor(client);
      clock.advance(29 * DAY_MS);
      const later = await refresh(client, first.refresh_token!).expect(200);
      clock.advance(DAY_MS + 1_000);
      const expired = await refresh(client, later.body.refresh_token).expect(400);
      expect(expired.body.error).toBe('invalid_grant');
    });

    it('are refused once the user left the organization', async () => {
      const team = await createTeam(t);
      const client = await newClient(ownerOf(team));
      const member = team.members.member;
      const first = await tokensFor(client, { userId: member.userId });
      await request(t.http)
        .delete(`/v1/organizations/${team.organizationId}/members/${member.userId}`)
        .set(bearer(team.owner.accessToken))
        .expect(204);
      const refused = await refresh(client, first.refresh_token!).expect(400);
      expect(refused.body.error).toBe('invalid_grant');
      await verify(first.access_token).expect(401);
    });

    it('and their codes are pruned once nothing can use them', async () => {
      const client = await newClient();
      const { grantId } = await tokensFor(client);
      await codeFor(client);
      const rows = () =>
        t.app
          .get(DataSource)
          .query(
            'SELECT (SELECT COUNT(*) FROM oauth_authorization_codes WHERE grant_id = ?) AS codes, ' +
              '(SELECT COUNT(*) FROM oauth_refresh_tokens WHERE grant_id = ?) AS tokens',
            [grantId, grantId],
          )
          .then((result: { codes: unknown; tokens: unknown }[]) => ({
            codes: Number(result[0].codes),
            tokens: Number(result[0].tokens),
          }));
      expect(await rows()).toEqual({ codes: 2, tokens: 1 });
      await t.app.get(OAuthGrants).prune(new Date(clock.now() + 2 * DAY_MS));
      expect(await rows()).toEqual({ codes: 0, tokens: 1 });
      await t.app.get(OAuthGrants).prune(new Date(clock.now() + 31 * DAY_MS));
      expect(await rows()).toEqual({ codes: 0, tokens: 0 });
    });
  });

  describe('a delegated access token on /v1', () => {
    let team: Team;

    beforeAll(async () => {
      team = await createTeam(t);
    });

    const delegated = async (user: TestUser, scopes: string[], client?: TestClient) => {
      const own = client ?? (await newClient(ownerOf(team)));
      return tokensFor(own, { userId: user.userId, scopes });
    };

    it('acts as the user in the grant’s organization with what both role and consent allow', async () => {
      const viewer = team.members.viewer;
      const client = await newClient(ownerOf(team));
      const tokens = await delegated(viewer, ['translate:read', 'translate:write'], client);
      const answer = await verify(tokens.access_token).expect(200);
      expect(answer.body).toMatchObject({
        principal_type: 'user',
        subject: viewer.userId,
        organization_id: team.organizationId,
        role: 'viewer',
        client_id: client.clientId,
        scopes: ['translate:read'],
      });
      await request(t.http).get('/v1/translate/x').set(bearer(tokens.access_token)).expect(200);
      const denied = await request(t.http)
        .post('/v1/translate')
        .set(bearer(tokens.access_token))
        .send({ text: 'hello', target_language: 'de' })
        .expect(403);
      expect(denied.body.detail).toBe('Missing scope: translate:write');
    });

    it('narrows at once when the user’s role does', async () => {
      const member = await createUser(t, 'oauth-demoted');
      await addMember(t, team.organizationId, team.owner, member.email, 'member');
      const tokens = await delegated(member, ['translate:write']);
      const write = () =>
        request(t.http)
          .post('/v1/translate')
          .set(bearer(tokens.access_token))
          .send({ text: 'hello', target_language: 'de' });
      await write().expect(201);
      await setRole(t, team.organizationId, team.owner, member, 'viewer');
      await write().expect(403);
    });

    it('says what it can do: the answer’s scope, the token’s claim and introspection hold what the role allows; a refresh follows the role', async () => {
      const viewer = await createUser(t, 'oauth-scope-viewer');
      await addMember(t, team.organizationId, team.owner, viewer.email, 'viewer');
      const client = await newClient(ownerOf(team));
      const tokens = await delegated(
        viewer,
        ['openid', 'translate:read', 'translate:write'],
        client,
      );
      expect(tokens.scope).toBe('openid translate:read');
      expect(decodeJwt(tokens.access_token).scope).toBe('openid translate:read');
      const resourceServer = await newClient(ownerOf(team));
      const introspect = async (token: string) =>
        (
          await request(t.http)
            .post('/oauth/introspect')
            .set(basicAuth(resourceServer.clientId, resourceServer.clientSecret))
            .type('form')
            .send({ token })
            .expect(200)
        ).body as { active: boolean; scope?: string };
      expect(await introspect(tokens.access_token)).toMatchObject({
        active: true,
        scope: 'openid translate:read',
      });

      // Promoted: the next refresh carries what the consent and the new role allow together.
      await setRole(t, team.organizationId, team.owner, viewer, 'member');
      const refreshed = await refresh(client, tokens.refresh_token!).expect(200);
      expect(refreshed.body.scope).toBe('openid translate:read translate:write');
      // Demoted again: the token issued as a member reports what a viewer holds at once.
      await setRole(t, team.organizationId, team.owner, viewer, 'viewer');
      expect(await introspect(refreshed.body.access_token as string)).toMatchObject({
        active: true,
        scope: 'openid translate:read',
      });
    });

    it('needs the consented scope for a permission the role holds', async () => {
      const admin = team.members.admin;
      const narrow = await delegated(admin, ['translate:read']);
      await request(t.http)
        .get(`/v1/organizations/${team.organizationId}`)
        .set(bearer(narrow.access_token))
        .expect(403);
      await request(t.http).get('/v1/api-keys').set(bearer(narrow.access_token)).expect(403);
      const wide = await delegated(admin, ['organizations:read', 'api_keys:read']);
      await request(t.http)
        .get(`/v1/organizations/${team.organizationId}`)
        .set(bearer(wide.access_token))
        .expect(200);
      await request(t.http).get('/v1/api-keys').set(bearer(wide.access_token)).expect(200);
    });

    it('is refused on the account’s own routes, and mints no API key', async () => {
      const admin = team.members.admin;
      const tokens = await delegated(admin, ['api_keys:read', 'api_keys:write']);
      const as = bearer(tokens.access_token);
      const ownKey = await request(t.http)
        .post('/v1/api-keys')
        .set(team.inOrg(admin))
        .send({ name: 'the admin’s own', scopes: ['api_keys:read'] })
        .expect(201);
      const refusals = [
        request(t.http).get('/v1/auth/sessions').set(as),
        request(t.http).delete(`/v1/auth/sessions/${team.organizationId}`).set(as),
        request(t.http).post('/v1/auth/logout').set(as),
        request(t.http).post('/v1/auth/logout-all').set(as),
        request(t.http)
          .post('/v1/auth/password')
          .set(as)
          .send({ current_password: admin.password, new_password: 'another long password' }),
        request(t.http)
          .post('/v1/auth/mfa/totp/enroll')
          .set(as)
          .send({ current_password: admin.password }),
        request(t.http).get('/v1/oauth/grants').set(as),
        request(t.http).delete(`/v1/oauth/grants/${tokens.grantId}`).set(as),
        request(t.http)
          .post('/v1/api-keys')
          .set(as)
          .send({ name: 'from an app', scopes: ['api_keys:read'] }),
        request(t.http).post(`/v1/api-keys/${ownKey.body.id}/rotate`).set(as).send({}),
        request(t.http).post('/v1/organizations').set(as).send({ name: 'from an app' }),
      ];
      const answers = await Promise.all(refusals);
      expect(answers.map((answer) => answer.status)).toEqual(refusals.map(() => 403));
      // The sessions list, a new key and a rotation: refused for being delegated, nothing else.
      for (const answer of [answers[0], answers[8], answers[9]]) {
        expect(answer.body.code).toBe('user_sign_in_required');
      }
      // The user's own sign-in still works, and the application's token too.
      await request(t.http).get('/v1/auth/sessions').set(bearer(admin.accessToken)).expect(200);
      await verify(tokens.access_token).expect(200);
      await request(t.http).get('/v1/api-keys').set(as).expect(200);
    });

    it('stays in the grant’s organization', async () => {
      const admin = team.members.admin;
      const tokens = await delegated(admin, ['organizations:read', 'translate:read']);
      const elsewhere = await verify(tokens.access_token, {
        'X-Organization-ID': admin.organizationId,
      }).expect(403);
      expect(elsewhere.body.code).toBe('organization_mismatch');
      await request(t.http)
        .get(`/v1/organizations/${admin.organizationId}`)
        .set(bearer(tokens.access_token))
        .expect(404);
      const listed = await request(t.http)
        .get('/v1/organizations')
        .set(bearer(tokens.access_token))
        .expect(200);
      expect(listed.body.data.map((o: { id: string }) => o.id)).toEqual([team.organizationId]);
    });

    it('stops when the user leaves the organization', async () => {
      const leaver = await createUser(t, 'oauth-leaver');
      await request(t.http)
        .post(`/v1/organizations/${team.organizationId}/members`)
        .set(bearer(team.owner.accessToken))
        .send({ email: leaver.email, role: 'member' })
        .expect(201);
      const tokens = await delegated(leaver, ['translate:read']);
      await verify(tokens.access_token).expect(200);
      await request(t.http)
        .delete(`/v1/organizations/${team.organizationId}/members/${leaver.userId}`)
        .set(bearer(team.owner.accessToken))
        .expect(204);
      await verify(tokens.access_token).expect(401);
    });
  });

  describe('userinfo', () => {
    it('answers sub and what the email and profile scopes release, by GET and POST', async () => {
      const full = await tokensFor(await newClient(), { scopes: ['openid', 'email', 'profile'] });
      const expected = {
        sub: owner.userId,
        email: owner.email,
        email_verified: false,
        name: 'Test oauth-code-owner',
      };
      const byGet = await request(t.http)
        .get('/oauth/userinfo')
        .set(bearer(full.access_token))
        .expect(200);
      expect(byGet.body).toEqual(expected);
      expect(byGet.headers['cache-control']).toBe('no-store');
      const byPost = await request(t.http)
        .post('/oauth/userinfo')
        .set(bearer(full.access_token))
        .type('form')
        .send({})
        .expect(200);
      expect(byPost.body).toEqual(expected);

      const bare = await tokensFor(await newClient(), { scopes: ['openid'] });
      const minimal = await request(t.http)
        .get('/oauth/userinfo')
        .set(bearer(bare.access_token))
        .expect(200);
      expect(minimal.body).toEqual({ sub: owner.userId });
    });

    it('needs openid (insufficient_scope) and a token a user granted (invalid_token)', async () => {
      const noOpenid = await tokensFor(await newClient(), { scopes: ['email', 'translate:read'] });
      const insufficient = await request(t.http)
        .get('/oauth/userinfo')
        .set(bearer(noOpenid.access_token))
        .expect(403);
      expect(insufficient.body.error).toBe('insufficient_scope');
      expect(insufficient.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');

      const client = await newClient(owner, {
        grantTypes: ['client_credentials'],
        scopes: ['translate:read'],
      });
      for (const credential of [
        owner.accessToken,
        await clientCredentialsToken(t, client),
        'not-a-token',
      ]) {
        const invalid = await request(t.http)
          .get('/oauth/userinfo')
          .set(bearer(credential))
          .expect(401);
        expect(invalid.body.error).toBe('invalid_token');
        expect(invalid.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      }
      const anonymous = await request(t.http).get('/oauth/userinfo').expect(401);
      expect(anonymous.body.error).toBe('invalid_token');
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="tessera"');
    });
  });

  describe('the user’s grants (GET and DELETE /v1/oauth/grants)', () => {
    it('lists the applications the user consented to, newest first, with pages', async () => {
      const user = await createUser(t, 'oauth-lister');
      const first = await newClient(user);
      const second = await newClient(user);
      const older = await tokensFor(first, { userId: user.userId, scopes: ['translate:read'] });
      const newer = await tokensFor(second, { userId: user.userId, scopes: ['openid'] });
      // Consenting again to more widens the grant.
      await grantedCode(t, {
        client: first,
        userId: user.userId,
        scopes: ['translate:write'],
        redirectUri: REDIRECT,
      });

      const list = await request(t.http)
        .get('/v1/oauth/grants')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(list.body).toEqual({
        data: [
          {
            id: newer.grantId,
            client_id: second.clientId,
            client_name: 'Test client',
            organization_id: user.organizationId,
            scopes: ['openid'],
            created: expect.any(String),
            last_used: expect.any(String),
          },
          {
            id: older.grantId,
            client_id: first.clientId,
            client_name: 'Test client',
            organization_id: user.organizationId,
            scopes: ['translate:read', 'translate:write'],
            created: expect.any(String),
            last_used: expect.any(String),
          },
        ],
        has_more: false,
      });
      const page = await request(t.http)
        .get('/v1/oauth/grants?limit=1')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(page.body.data.map((g: { id: string }) => g.id)).toEqual([newer.grantId]);
      expect(page.body.has_more).toBe(true);
      const next = await request(t.http)
        .get(`/v1/oauth/grants?limit=1&starting_after=${newer.grantId}`)
        .set(bearer(user.accessToken))
        .expect(200);
      expect(next.body.data.map((g: { id: string }) => g.id)).toEqual([older.grantId]);
    });

    it('ends a grant: every token under it stops on the next request', async () => {
      const client = await newClient();
      const tokens = await tokensFor(client);
      await verify(tokens.access_token).expect(200);
      await request(t.http)
        .delete(`/v1/oauth/grants/${tokens.grantId}`)
        .set(bearer(owner.accessToken))
        .expect(204);
      await verify(tokens.access_token).expect(401);
      const refused = await refresh(client, tokens.refresh_token!).expect(400);
      expect(refused.body.error).toBe('invalid_grant');
      const list = await request(t.http)
        .get('/v1/oauth/grants?limit=100')
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(list.body.data.map((g: { id: string }) => g.id)).not.toContain(tokens.grantId);
      const ended = await request(t.http)
        .get(`/v1/audit-logs?action=oauth.grant.ended&target_id=${tokens.grantId}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(ended.body.data[0].metadata).toMatchObject({ reason: 'revoked_by_user' });
    });

    it('answers 404 for another user’s grant, which keeps working', async () => {
      const tokens = await tokensFor(await newClient());
      const stranger = await createUser(t, 'oauth-stranger');
      for (const id of [tokens.grantId, 'not-a-grant', '00000000-0000-7000-8000-000000000000']) {
        await request(t.http)
          .delete(`/v1/oauth/grants/${id}`)
          .set(bearer(stranger.accessToken))
          .expect(404);
      }
      const theirs = await request(t.http)
        .get('/v1/oauth/grants')
        .set(bearer(stranger.accessToken))
        .expect(200);
      expect(theirs.body).toEqual({ data: [], has_more: false });
      await verify(tokens.access_token).expect(200);
    });

    it('is for the user’s own sign-in: an API key gets 403', async () => {
      const key = await request(t.http)
        .post('/v1/api-keys')
        .set(bearer(owner.accessToken))
        .send({ name: 'k', scopes: ['admin:*'] })
        .expect(201);
      await request(t.http).get('/v1/oauth/grants').set('X-API-Key', key.body.key).expect(403);
    });
  });

  describe('revocation and introspection', () => {
    const revoke = (client: TestClient, token: string) =>
      request(t.http)
        .post('/oauth/revoke')
        .set(basicAuth(client.clientId, client.clientSecret))
        .type('form')
        .send({ token, token_type_hint: 'refresh_token' });
    const introspect = (client: TestClient, token: string) =>
      request(t.http)
        .post('/oauth/introspect')
        .set(basicAuth(client.clientId, client.clientSecret))
        .type('form')
        .send({ token });

    it('revoking a refresh token ends its grant: every access and refresh token of it', async () => {
      const client = await newClient();
      const first = await tokensFor(client);
      const second = await refresh(client, first.refresh_token!).expect(200);
      await revoke(client, second.body.refresh_token).expect(200);
      await verify(first.access_token).expect(401);
      await verify(second.body.access_token).expect(401);
      await refresh(client, second.body.refresh_token).expect(400);
      const list = await request(t.http)
        .get('/v1/oauth/grants?limit=100')
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(list.body.data.map((g: { id: string }) => g.id)).not.toContain(first.grantId);
      const events = await request(t.http)
        .get(`/v1/audit-logs?target_id=${first.grantId}&limit=100`)
        .set(bearer(owner.accessToken))
        .expect(200);
      const byAction = Object.fromEntries(
        events.body.data.map((e: { action: string; metadata: unknown }) => [e.action, e.metadata]),
      );
      expect(byAction['oauth.token.revoked']).toEqual({ kind: 'refresh_token' });
      expect(byAction['oauth.grant.ended']).toMatchObject({ reason: 'refresh_token_revoked' });
    });

    it('refuses to revoke another client’s refresh token, and ignores an unknown one', async () => {
      const client = await newClient();
      const tokens = await tokensFor(client);
      const refused = await revoke(await newClient(), tokens.refresh_token!).expect(400);
      expect(refused.body.error).toBe('invalid_request');
      await revoke(client, `ort_${'A'.repeat(43)}`).expect(200);
      await refresh(client, tokens.refresh_token!).expect(200);
    });

    it('revokes a delegated access token alone, for its own client only', async () => {
      const client = await newClient();
      const tokens = await tokensFor(client);
      await revoke(await newClient(), tokens.access_token).expect(400);
      await verify(tokens.access_token).expect(200);
      await revoke(client, tokens.access_token).expect(200);
      await verify(tokens.access_token).expect(401);
      await refresh(client, tokens.refresh_token!).expect(200);
    });

    it('describes a refresh token to its own client only', async () => {
      const client = await newClient();
      const tokens = await tokensFor(client, { scopes: ['offline_access', 'translate:read'] });
      const active = await introspect(client, tokens.refresh_token!).expect(200);
      expect(active.body).toEqual({
        active: true,
        token_type: 'refresh_token',
        scope: 'offline_access translate:read',
        client_id: client.clientId,
        sub: owner.userId,
        org_id: owner.organizationId,
        exp: expect.any(Number),
        iat: expect.any(Number),
        iss: expect.any(String),
      });
      const resourceServer = await newClient();
      const other = await introspect(resourceServer, tokens.refresh_token!).expect(200);
      expect(other.body).toEqual({ active: false });
      await refresh(client, tokens.refresh_token!).expect(200);
      const used = await introspect(client, tokens.refresh_token!).expect(200);
      expect(used.body).toEqual({ active: false });
    });

    it('describes a delegated access token to the organization’s resource servers', async () => {
      const client = await newClient();
      const tokens = await tokensFor(client, { scopes: ['translate:read'] });
      const resourceServer = await newClient();
      const active = await introspect(resourceServer, tokens.access_token).expect(200);
      expect(active.body).toMatchObject({
        active: true,
        sub: owner.userId,
        client_id: client.clientId,
        scope: 'translate:read',
      });
      const stranger = await createUser(t, 'oauth-introspect-stranger');
      const foreign = await introspect(await newClient(stranger), tokens.access_token).expect(200);
      expect(foreign.body).toEqual({ active: false });
    });
  });

  describe('discovery', () => {
    it('lists the new grant types, the userinfo endpoint and the claims', async () => {
      const metadata = await request(t.http).get('/.well-known/openid-configuration').expect(200);
      expect(metadata.body.grant_types_supported).toEqual(
        expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
      );
      expect(metadata.body.userinfo_endpoint).toBe(`${metadata.body.issuer}/oauth/userinfo`);
      expect(metadata.body.claims_supported).toEqual(
        expect.arrayContaining(['sub', 'email', 'email_verified', 'name', 'auth_time', 'nonce']),
      );
    });
  });
});

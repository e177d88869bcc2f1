import request from 'supertest';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { basicAuth, grantedCode, registerClient, TestClient } from '../utils/oauth';
import { TestClock } from '../utils/test-clock';

const REDIRECT = 'https://app.example/callback';

interface AuditEvent {
  metadata: { retry?: boolean };
}
const GRACE_SECONDS = 5;

/**
 * REFRESH_TOKEN_RETRY_GRACE_SECONDS: a client whose refresh answer was lost after the commit
 * presents the used refresh token again. Within the grace, while the successor it never received
 * is unused, it gets new tokens in that successor's place; the retired successor, a use after
 * its successor's, and a use after the grace are reuses, which end the session or grant.
 */
describe('refresh token retries within REFRESH_TOKEN_RETRY_GRACE_SECONDS', () => {
  let t: TestApp;
  let clock: TestClock;
  let owner: TestUser;

  beforeAll(async () => {
    clock = new TestClock(Date.now());
    t = await createTestApp(
      { REFRESH_TOKEN_RETRY_GRACE_SECONDS: String(GRACE_SECONDS) },
      { clock },
    );
    owner = await createUser(t, 'refresh-retry-owner');
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const verify = (accessToken: string) =>
    request(t.http).get('/v1/auth/verify').set(bearer(accessToken));

  describe('sessions (POST /v1/auth/refresh)', () => {
    const refresh = (refreshToken: string) =>
      request(t.http).post('/v1/auth/refresh').send({ refresh_token: refreshToken });

    it('answers a retry of a lost answer; the successor it replaced is then a reuse', async () => {
      const user = await createUser(t, 'retry-lost');
      const lost = await refresh(user.refreshToken).expect(200);

      const retried = await refresh(user.refreshToken).expect(200);
      expect(retried.body.refresh_token).not.toBe(lost.body.refresh_token);
      await verify(retried.body.access_token).expect(200);
      const next = await refresh(retried.body.refresh_token).expect(200);
      const refreshed = await request(t.http)
        .get('/v1/audit-logs?action=session.refreshed')
        .set(bearer(next.body.access_token))
        .expect(200);
      expect(refreshed.body.data.map((event: AuditEvent) => event.metadata.retry ?? false)).toEqual(
        [false, true, false],
      );

      // Whoever holds the answer the client never got is not the client.
      const reused = await refresh(lost.body.refresh_token).expect(401);
      expect(reused.body.code).toBe('refresh_token_reused');
      await refresh(next.body.refresh_token).expect(401);
    });

    it('is a reuse once the successor was used, even within the grace', async () => {
      const user = await createUser(t, 'retry-after-use');
      const first = await refresh(user.refreshToken).expect(200);
      const second = await refresh(first.body.refresh_token).expect(200);

      const reused = await refresh(user.refreshToken).expect(401);
      expect(reused.body.code).toBe('refresh_token_reused');
      await refresh(second.body.refresh_token).expect(401);
    });

    it('is a reuse after the grace, which ends the session', async () => {
      const user = await createUser(t, 'retry-too-late');
      const answered = await refresh(user.refreshToken).expect(200);
      clock.advance((GRACE_SECONDS + 1) * 1000);

      const reused = await refresh(user.refreshToken).expect(401);
      expect(reused.body.code).toBe('refresh_token_reused');
      await refresh(answered.body.refresh_token).expect(401);
    });
  });

  describe('OAuth (grant_type=refresh_token)', () => {
    let client: TestClient;
    beforeAll(async () => {
      client = await registerClient(t, owner, {
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['offline_access', 'translate:read'],
        redirectUris: [REDIRECT],
      });
    });

    const tokenRequest = (body: Record<string, string>) =>
      request(t.http)
        .post('/oauth/token')
        .set(basicAuth(client.clientId, client.clientSecret!))
        .type('form')
        .send(body);
    const refresh = (refreshToken: string) =>
      tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });

    async function firstRefreshToken(): Promise<string> {
      const { code } = await grantedCode(t, {
        client,
        userId: owner.userId,
        scopes: ['offline_access', 'translate:read'],
        redirectUri: REDIRECT,
      });
      const exchanged = await tokenRequest({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
      }).expect(200);
      return exchanged.body.refresh_token as string;
    }

    it('answers a retry within the grace; the successor it replaced then ends the grant', async () => {
      const first = await firstRefreshToken();
      const lost = await refresh(first).expect(200);
      clock.advance((GRACE_SECONDS - 1) * 1000);

      const retried = await refresh(first).expect(200);
      await verify(retried.body.access_token).expect(200);

      const issued = await request(t.http)
        .get('/v1/audit-logs?action=oauth.token.issued')
        .set(bearer(owner.accessToken))
        .expect(200);
      const retries = issued.body.data.filter((event: AuditEvent) => event.metadata.retry);
      expect(retries).toHaveLength(1);

      const reused = await refresh(lost.body.refresh_token).expect(400);
      expect(reused.body.error).toBe('invalid_grant');
      await verify(retried.body.access_token).expect(401);
      await refresh(retried.body.refresh_token).expect(400);
    });

    it('is a reuse after the grace, which ends the grant', async () => {
      const first = await firstRefreshToken();
      const answered = await refresh(first).expect(200);
      clock.advance((GRACE_SECONDS + 1) * 1000);

      const reused = await refresh(first).expect(400);
      expect(reused.body.error).toBe('invalid_grant');
      await refresh(answered.body.refresh_token).expect(400);
    });
  });
});

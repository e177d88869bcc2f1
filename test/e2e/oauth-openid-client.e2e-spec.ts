import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { enrollTotp } from '../utils/totp';
import { freePort } from '../utils/free-port';
import { registerClient } from '../utils/oauth';
import { runRelyingParty } from '../utils/relying-party';

const REDIRECT = 'https://app.example/callback';

/** What the authorization_code scenario reports. */
interface CodeFlowResult {
  pages: string[];
  callbackParameters: string[];
  callbackIss: string;
  tokenType: string;
  scope: string;
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown>;
  verify: { status: number; body: Record<string, unknown> };
  refreshedScope: string;
  refreshRotated: boolean;
  active: Record<string, unknown>;
  afterRevocation: Record<string, unknown>;
  accessToken: string;
}

/**
 * Tessera's OAuth endpoints driven by openid-client 6 (panva's certified relying-party library) as
 * a real app would drive them, over real HTTP: discovery (whose issuer must match exactly), the
 * authorization endpoint with the login and consent pages (the script answers them as a person
 * would), the token endpoint, userinfo, introspection and revocation.
 */
describe('OAuth with openid-client as the client', () => {
  let t: TestApp;
  let issuer: string;
  let owner: TestUser;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    t = await createTestApp({ TESSERA_ISSUER: issuer });
    await t.app.listen(port, '127.0.0.1');
    expect((t.http.address() as AddressInfo).port).toBe(port);
    owner = await createUser(t, 'rp-owner');
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  it('gets a client_credentials token, introspects it, revokes it, and the token is dead', async () => {
    const machine = await registerClient(t, owner, { scopes: ['translate:read', 'models:read'] });
    const resourceServer = await registerClient(t, owner, { scopes: ['translate:read'] });
    const outcome = await runRelyingParty<{
      issuer: string;
      tokenType: string;
      scope: string;
      expiresIn: number;
      accessToken: string;
      active: Record<string, unknown>;
      afterRevocation: Record<string, unknown>;
    }>('client_credentials', {
      issuer,
      client: { id: machine.clientId, secret: machine.clientSecret },
      resourceServer: { id: resourceServer.clientId, secret: resourceServer.clientSecret },
      scope: 'translate:read',
    });
    expect(outcome.error).toBeUndefined();
    const result = outcome.result!;
    expect(result.issuer).toBe(issuer);
    expect(result).toMatchObject({ tokenType: 'bearer', scope: 'translate:read', expiresIn: 3600 });
    expect(result.active).toMatchObject({
      active: true,
      client_id: machine.clientId,
      scope: 'translate:read',
    });
    expect(result.afterRevocation).toEqual({ active: false });
    await request(t.http).get('/v1/auth/verify').set(bearer(result.accessToken)).expect(401);
  });

  describe('the authorization code flow', () => {
    const SCOPE = 'openid profile email offline_access translate:read';

    async function codeFlow(user: { email: string; password: string; totpSecret?: string }) {
      const app = await registerClient(t, owner, {
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'email', 'offline_access', 'translate:read'],
        redirectUris: [REDIRECT],
      });
      const resourceServer = await registerClient(t, owner, { scopes: ['translate:read'] });
      const outcome = await runRelyingParty<CodeFlowResult>('authorization_code', {
        issuer,
        client: { id: app.clientId, secret: app.clientSecret },
        resourceServer: { id: resourceServer.clientId, secret: resourceServer.clientSecret },
        redirectUri: REDIRECT,
        scope: SCOPE,
        user,
      });
      expect(outcome.error).toBeUndefined();
      return { result: outcome.result!, clientId: app.clientId };
    }

    function expectTheWholeFlow(result: CodeFlowResult, clientId: string, userId: string) {
      // The callback carried the code, state and the issuer (RFC 9207), which openid-client
      // compared with the discovered issuer; it validated the ID token and its nonce too.
      expect(result.callbackParameters.sort()).toEqual(['code', 'iss', 'state']);
      expect(result.callbackIss).toBe(issuer);
      expect(result).toMatchObject({ tokenType: 'bearer', scope: SCOPE, refreshedScope: SCOPE });
      expect(result.claims).toMatchObject({
        iss: issuer,
        aud: clientId,
        sub: userId,
        nonce: expect.any(String),
        auth_time: expect.any(Number),
      });
      expect(result.userinfo).toMatchObject({ sub: userId, email_verified: false });
      expect(result.verify).toMatchObject({
        status: 200,
        body: {
          subject: userId,
          organization_id: owner.organizationId,
          client_id: clientId,
          scopes: ['translate:read'],
        },
      });
      expect(result.refreshRotated).toBe(true);
      expect(result.active).toMatchObject({
        active: true,
        client_id: clientId,
        sub: userId,
        org_id: owner.organizationId,
      });
      // Revoking the refresh token ended the grant: its access tokens with it.
      expect(result.afterRevocation).toEqual({ active: false });
    }

    it('signs in with a password, consents, exchanges the code, refreshes, introspects and revokes', async () => {
      const { result, clientId } = await codeFlow({
        email: owner.email,
        password: owner.password,
      });
      expect(result.pages).toEqual(['login', 'consent']);
      expectTheWholeFlow(result, clientId, owner.userId);
      expect(result.claims.amr).toEqual(['pwd']);
      expect(result.userinfo).toMatchObject({ email: owner.email, name: 'Test rp-owner' });
      await request(t.http).get('/v1/auth/verify').set(bearer(result.accessToken)).expect(401);
    });

    it('signs in a user with TOTP: the code step, then the same flow, with amr pwd and otp', async () => {
      const member = await createUser(t, 'rp-totp');
      await request(t.http)
        .post(`/v1/organizations/${owner.organizationId}/members`)
        .set(bearer(owner.accessToken))
        .send({ email: member.email, role: 'member' })
        .expect(201);
      const totp = await enrollTotp(t, member);

      const { result, clientId } = await codeFlow({
        email: member.email,
        password: member.password,
        totpSecret: totp.secret.base32,
      });
      expect(result.pages).toEqual(['login', 'totp', 'consent']);
      expectTheWholeFlow(result, clientId, member.userId);
      expect(result.claims.amr).toEqual(['pwd', 'otp']);
    });
  });
});

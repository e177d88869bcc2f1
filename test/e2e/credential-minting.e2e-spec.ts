import request from 'supertest';
import { asKey, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { basicAuth, grantedCode, registerClient } from '../utils/oauth';
import { createServiceAccount, exchange, signAssertion } from '../utils/service-accounts';
import { enrollTotp } from '../utils/totp';

const REDIRECT = 'https://app.example.test/callback';
const MINTING_SCOPES = [
  'api_keys:write',
  'service_accounts:write',
  'oauth_clients:write',
  'translate:read',
];

/**
 * Every route that answers a new long-lived secret (an API key, a service account's key file, an
 * OAuth client's secret) refuses the callers it would let escape: an API key with usage credits,
 * an application acting for a user (the secret would outlive the grant), and a session that did
 * not pass the MFA its user enrolled. Service accounts and OAuth clients once let all three
 * through that API keys refused.
 */
describe('minting a credential', () => {
  let t: TestApp;
  let owner: TestUser;
  let accountId: string;
  let clientId: string;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await createUser(t, 'minting-owner');
    accountId = (
      await createServiceAccount(t, bearer(owner.accessToken), { scopes: ['translate:read'] })
    ).id;
    clientId = (await registerClient(t, owner, { scopes: ['translate:read'] })).clientId;
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  /** Each minting route, sent with `headers`. */
  const mintingRoutes = (headers: Record<string, string>) => ({
    'POST /v1/api-keys': () =>
      request(t.http)
        .post('/v1/api-keys')
        .set(headers)
        .send({ name: 'minted', scopes: ['translate:read'] }),
    'POST /v1/service-accounts': () =>
      request(t.http)
        .post('/v1/service-accounts')
        .set(headers)
        .send({ name: 'minted', scopes: ['translate:read'] }),
    'POST /v1/service-accounts/:id/keys': () =>
      request(t.http).post(`/v1/service-accounts/${accountId}/keys`).set(headers).send({}),
    'POST /v1/oauth/clients': () =>
      request(t.http)
        .post('/v1/oauth/clients')
        .set(headers)
        .send({
          name: 'minted',
          client_type: 'confidential',
          grant_types: ['client_credentials'],
          scopes: ['translate:read'],
        }),
    'POST /v1/oauth/clients/:id/secret': () =>
      request(t.http).post(`/v1/oauth/clients/${clientId}/secret`).set(headers).send({}),
  });

  async function expectEveryRouteRefused(
    headers: Record<string, string>,
    status: number,
    code: string,
  ): Promise<void> {
    for (const [route, send] of Object.entries(mintingRoutes(headers))) {
      const answer = await send();
      expect({ route, status: answer.status, code: answer.body.code }).toEqual({
        route,
        status,
        code,
      });
      expect(JSON.stringify(answer.body)).not.toMatch(/private_key|client_secret"|tk_/);
    }
  }

  it('refuses an API key with usage credits on every route', async () => {
    const limited = await createApiKey(t, bearer(owner.accessToken), {
      name: 'a hundred requests',
      scopes: MINTING_SCOPES,
      remaining: 100,
    });
    await expectEveryRouteRefused(asKey(limited.key), 403, 'credits_escalation');
  });

  it('refuses an application acting for the user on every route, so nothing it made outlives the grant', async () => {
    const client = await registerClient(t, owner, {
      grantTypes: ['authorization_code'],
      scopes: MINTING_SCOPES,
      redirectUris: [REDIRECT],
    });
    const { code } = await grantedCode(t, {
      client,
      userId: owner.userId,
      scopes: MINTING_SCOPES,
      redirectUri: REDIRECT,
    });
    const tokens = await request(t.http)
      .post('/oauth/token')
      .set(basicAuth(client.clientId, client.clientSecret!))
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT })
      .expect(200);
    const delegated = bearer(tokens.body.access_token);
    await request(t.http).get('/v1/auth/verify').set(delegated).expect(200);
    await expectEveryRouteRefused(delegated, 403, 'user_sign_in_required');
  });

  it('refuses a session that did not pass the MFA its user enrolled, and lets one that did', async () => {
    const user = await createUser(t, 'minting-mfa');
    const totp = await enrollTotp(t, user);
    await expectEveryRouteRefused(bearer(user.accessToken), 403, 'mfa_required');

    const passed = await request(t.http)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password, mfa_code: totp.generate() });
    // A TOTP code is accepted once: the one above may be this step's.
    const tokens =
      passed.status === 200
        ? passed.body
        : await new Promise<{ access_token: string }>((resolve, reject) =>
            setTimeout(
              () =>
                request(t.http)
                  .post('/v1/auth/login')
                  .send({ email: user.email, password: user.password, mfa_code: totp.generate() })
                  .expect(200)
                  .then((answer) => resolve(answer.body), reject),
              30_000 - (Date.now() % 30_000) + 100,
            ),
          );
    const created = await request(t.http)
      .post('/v1/service-accounts')
      .set(bearer(tokens.access_token))
      .send({ name: 'after MFA', scopes: ['translate:read'] })
      .expect(201);
    await exchange(t, await signAssertion(created.body.key_file)).expect(200);
  }, 45_000);
});

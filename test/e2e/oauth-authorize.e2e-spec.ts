import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { BrowserSession } from '../../src/modules/oauth/browser-sessions/browser-session.entity';
import { OAuthClient } from '../../src/modules/oauth/storage/oauth-client.entity';
import {
  answerConsent,
  answerOf,
  authorizePath,
  CONSENT,
  consentFormOf,
  locationOf,
  signedInBrowser,
} from '../utils/authorize';
import { BrowserSessionTestModule } from '../utils/browser-session-test.module';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { basicAuth, ClientSettings, pkcePair, registerClient, TestClient } from '../utils/oauth';
import { PageClient } from '../utils/pages';

const ISSUER = 'http://tessera.test';
const REDIRECT = 'https://app.example/callback';
const POST_LOGOUT = 'https://app.example/signed-out';
const SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'translate:read',
  'translate:write',
];

/** What the hosted pages' CSP must say. */
const PAGE_CSP = ["default-src 'none'", "style-src 'self'", "frame-ancestors 'none'"];

function expectErrorPage(response: request.Response, status: number, text: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.location).toBeUndefined();
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(response.text).toContain(text);
  for (const directive of PAGE_CSP) {
    expect(response.headers['content-security-policy']).toContain(directive);
  }
}

describe('GET /oauth/authorize and the consent page', () => {
  let t: TestApp;
  let owner: TestUser;

  beforeAll(async () => {
    t = await createTestApp({}, { extraModules: [BrowserSessionTestModule] });
    owner = await createUser(t, 'authorize-owner');
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  /** A confidential web app of the owner's organization (or `by`'s), for the code flow. */
  const newClient = (
    settings: ClientSettings = {},
    by: Pick<TestUser, 'accessToken' | 'organizationId'> = owner,
  ) =>
    registerClient(t, by, {
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: SCOPES,
      redirectUris: [REDIRECT],
      ...settings,
    });

  /** The parameters of a valid request of `client`, PKCE included, overridden by `extra`. */
  function requestOf(client: TestClient, extra: Record<string, string | undefined> = {}) {
    const pkce = pkcePair();
    const parameters = {
      client_id: client.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid email translate:read',
      state: 'st-1',
      nonce: 'n-1',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      ...extra,
    };
    return { path: authorizePath(parameters), verifier: pkce.verifier, parameters };
  }

  const exchange = (client: TestClient, code: string, verifier?: string, redirectUri = REDIRECT) =>
    request(t.http)
      .post('/oauth/token')
      .set(client.clientSecret ? basicAuth(client.clientId, client.clientSecret) : {})
      .type('form')
      .send({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        ...(client.clientSecret ? {} : { client_id: client.clientId }),
        ...(verifier ? { code_verifier: verifier } : {}),
      });

  /** Signs `user` in, authorizes, allows on the consent page: the redirect with the code. */
  async function consentedCode(
    client: TestClient,
    user: TestUser = owner,
    extra: Record<string, string | undefined> = {},
  ) {
    const page = await signedInBrowser(t, user);
    const asked = requestOf(client, extra);
    const shown = await page.get(asked.path, 200);
    const allowed = await answerConsent(page, shown.text, 'allow');
    expect(allowed.status).toBe(303);
    return { page, answer: answerOf(allowed), verifier: asked.verifier };
  }

  async function auditEvents(user: TestUser, organizationId: string, action: string) {
    await t.app.get(AuditWriter).drain();
    const response = await request(t.http)
      .get(`/v1/audit-logs?action=${action}&limit=100`)
      .set(bearer(user.accessToken))
      .set('X-Organization-ID', organizationId)
      .expect(200);
    return response.body.data as {
      actor: { type: string; id: string };
      target: { type: string; id: string };
      outcome: string;
      metadata: Record<string, unknown>;
    }[];
  }

  describe('the client and its redirect URI, checked first: an error page, never a redirect', () => {
    it('shows an error page for an unknown, missing or repeated client_id', async () => {
      const client = await newClient();
      const { parameters } = requestOf(client);
      for (const path of [
        authorizePath({ ...parameters, client_id: 'client_0000000000000000000000000000000' }),
        authorizePath({ ...parameters, client_id: undefined }),
        `${authorizePath(parameters)}&client_id=${client.clientId}`,
      ]) {
        const response = await request(t.http).get(path);
        expectErrorPage(response, 400, 'Unknown application');
        expect(response.text).toContain('invalid_client');
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers['x-frame-options']).toBe('DENY');
      }
    });

    it('compares redirect_uri exactly: a prefix, another path, http, another port, a trailing slash or an added query is an error page', async () => {
      const client = await newClient({ redirectUris: [REDIRECT, 'http://127.0.0.1:8080/cb'] });
      const page = await signedInBrowser(t, owner);
      const wrong = [
        'https://app.example/call',
        'https://app.example/callback/extra',
        'https://app.example/callback/',
        'https://app.example/callback?x=1',
        'http://app.example/callback',
        'https://app.example:8443/callback',
        'https://APP.example/callback',
        'https://app.example.evil.test/callback',
        'http://127.0.0.1:8081/cb',
        'http://localhost:8080/cb',
      ];
      for (const redirectUri of wrong) {
        // Signed in, with every other parameter right: still no redirect anywhere.
        const response = await page.get(requestOf(client, { redirect_uri: redirectUri }).path);
        expectErrorPage(response, 400, 'This link cannot be used');
        expect(response.text).toContain('invalid_redirect_uri');
        expect(response.text).not.toContain(redirectUri);
      }
      const missing = await page.get(requestOf(client, { redirect_uri: undefined }).path);
      expectErrorPage(missing, 400, 'This link cannot be used');
      const repeated = await page.get(
        `${requestOf(client).path}&redirect_uri=${encodeURIComponent(REDIRECT)}`,
      );
      expectErrorPage(repeated, 400, 'This link cannot be used');

      const events = await auditEvents(owner, owner.organizationId, 'oauth.authorization.refused');
      expect(events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor: expect.objectContaining({ type: 'oauth_client', id: client.clientId }),
            outcome: 'failure',
            metadata: expect.objectContaining({ error: 'invalid_redirect_uri' }),
          }),
        ]),
      );
    });

    it('takes each registered URI exactly as registered, the loopback one included', async () => {
      const loopback = 'http://127.0.0.1:8080/cb';
      const client = await newClient({ redirectUris: [REDIRECT, loopback] });
      const response = await request(t.http).get(
        requestOf(client, { redirect_uri: loopback }).path,
      );
      expect(response.status).toBe(303);
      expect(locationOf(response).pathname).toBe('/oauth/login');
    });
  });

  describe('errors sent back to the redirect URI, with state and iss (RFC 6749 4.1.2.1, RFC 9207)', () => {
    let client: TestClient;
    beforeAll(async () => {
      client = await newClient();
    });

    async function refusal(extra: Record<string, string | undefined>, path?: string) {
      const response = await request(t.http).get(path ?? requestOf(client, extra).path);
      expect(response.status).toBe(302);
      const location = locationOf(response);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      return answerOf(response);
    }

    it('refuses response_type=token and every other response type: no implicit flow', async () => {
      for (const responseType of ['token', 'id_token', 'code id_token', 'code token']) {
        await expect(refusal({ response_type: responseType })).resolves.toEqual({
          error: 'unsupported_response_type',
          error_description: 'Only response_type=code is supported',
          state: 'st-1',
          iss: ISSUER,
        });
      }
      await expect(refusal({ response_type: undefined })).resolves.toMatchObject({
        error: 'invalid_request',
        iss: ISSUER,
      });
    });

    it('refuses a client not registered for the authorization code grant', async () => {
      const machine = await registerClient(t, owner, {
        grantTypes: ['client_credentials'],
        redirectUris: [REDIRECT],
      });
      const response = await request(t.http).get(requestOf(machine).path).expect(302);
      expect(answerOf(response)).toMatchObject({ error: 'unauthorized_client', state: 'st-1' });
    });

    it('refuses scopes beyond the client’s, and a request without scope', async () => {
      await expect(refusal({ scope: 'openid models:read' })).resolves.toMatchObject({
        error: 'invalid_scope',
        error_description: 'Not allowed for this client: models:read',
        state: 'st-1',
      });
      await expect(refusal({ scope: 'openid admin:*' })).resolves.toMatchObject({
        error: 'invalid_scope',
      });
      await expect(refusal({ scope: undefined })).resolves.toMatchObject({
        error: 'invalid_scope',
      });
    });

    it('refuses plain PKCE, a challenge without S256, a malformed one, and a method without a challenge', async () => {
      const { challenge } = pkcePair();
      for (const extra of [
        { code_challenge_method: 'plain' },
        { code_challenge_method: undefined },
        { code_challenge: 'too-short' },
        { code_challenge: `${challenge}=` },
        { code_challenge: undefined },
      ]) {
        await expect(refusal(extra)).resolves.toMatchObject({
          error: 'invalid_request',
          state: 'st-1',
          iss: ISSUER,
        });
      }
    });

    it('requires PKCE of a public client', async () => {
      const spa = await newClient({ clientType: 'public' });
      const response = await request(t.http)
        .get(requestOf(spa, { code_challenge: undefined, code_challenge_method: undefined }).path)
        .expect(302);
      expect(answerOf(response)).toEqual({
        error: 'invalid_request',
        error_description: 'A public client must use PKCE: code_challenge is required',
        state: 'st-1',
        iss: ISSUER,
      });
    });

    it('refuses a repeated parameter, unknown prompt values, prompt=none with another, a bad max_age, request objects', async () => {
      const repeated = `${requestOf(client).path}&scope=openid`;
      await expect(refusal({}, repeated)).resolves.toMatchObject({
        error: 'invalid_request',
        error_description: 'scope must not be repeated',
      });
      for (const extra of [
        { prompt: 'select_account' },
        { prompt: 'none login' },
        { max_age: '-1' },
        { max_age: 'soon' },
        { response_mode: 'fragment' },
        { nonce: 'n'.repeat(513) },
      ]) {
        await expect(refusal(extra)).resolves.toMatchObject({ error: 'invalid_request' });
      }
      await expect(refusal({ request: 'eyJhbGciOi.x.y' })).resolves.toMatchObject({
        error: 'request_not_supported',
      });
      await expect(refusal({ request_uri: 'urn:x' })).resolves.toMatchObject({
        error: 'request_uri_not_supported',
      });
    });

    it('sends state back exactly, whatever its characters, and no state when none was sent', async () => {
      const state = 'a b&c=d/é?#%20+';
      await expect(refusal({ state, response_type: 'token' })).resolves.toMatchObject({ state });
      const without = await refusal({ state: undefined, response_type: 'token' });
      expect(without).not.toHaveProperty('state');
      expect(without.iss).toBe(ISSUER);
    });

    it('keeps a registered redirect URI’s own query, adding the answer after it', async () => {
      const withQuery = 'https://app.example/callback?tenant=acme';
      const queried = await newClient({ redirectUris: [withQuery] });
      const response = await request(t.http)
        .get(requestOf(queried, { redirect_uri: withQuery, response_type: 'token' }).path)
        .expect(302);
      expect(response.headers.location).toMatch(
        /^https:\/\/app\.example\/callback\?tenant=acme&error=unsupported_response_type&/,
      );
    });
  });

  describe('signing in', () => {
    it('sends a browser without a session to the login page, which sends it back', async () => {
      const client = await newClient();
      const page = new PageClient(t);
      const asked = requestOf(client);
      const response = await page.get(asked.path, 303);
      const login = locationOf(response);
      expect(login.pathname).toBe('/oauth/login');
      expect(login.searchParams.get('return_to')).toBe(asked.path);

      // The login page names the application and takes the browser back to the request.
      const shown = await page.get(`${login.pathname}${login.search}`, 200);
      expect(shown.text).toContain('to continue to <strong>Test client</strong>');
      const signedIn = await page.post(
        '/oauth/login',
        { email: owner.email, password: owner.password, return_to: asked.path },
        303,
      );
      expect(signedIn.headers.location).toBe(asked.path);
      const consent = await page.get(asked.path, 200);
      expect(consent.text).toContain('<title>Authorize Test client · Tessera</title>');
    });

    it('lets the login page’s form end at the application: its redirect origin is in form-action', async () => {
      const client = await newClient();
      const asked = requestOf(client);
      const response = await request(t.http)
        .get(`/oauth/login?return_to=${encodeURIComponent(asked.path)}`)
        .expect(200);
      expect(response.headers['content-security-policy']).toContain(
        "form-action 'self' https://app.example;",
      );
      // Any other return_to: this origin only.
      const plain = await request(t.http).get('/oauth/login').expect(200);
      expect(plain.headers['content-security-policy']).toContain("form-action 'self';");
    });

    it('answers prompt=none without a session with login_required, showing nothing', async () => {
      const client = await newClient();
      const response = await request(t.http)
        .get(requestOf(client, { prompt: 'none' }).path)
        .expect(302);
      expect(answerOf(response)).toMatchObject({
        error: 'login_required',
        state: 'st-1',
        iss: ISSUER,
      });
    });

    it('asks for a new sign-in with prompt=login even with a session, then goes on', async () => {
      const client = await newClient();
      const first = await consentedCode(client);
      const asked = requestOf(client, { prompt: 'login' });
      const response = await first.page.get(asked.path, 303);
      const returnTo = locationOf(response).searchParams.get('return_to')!;
      expect(locationOf(response).pathname).toBe('/oauth/login');
      expect(returnTo).not.toContain('prompt');
      expect(new URL(returnTo, ISSUER).searchParams.get('state')).toBe('st-1');
      const signedIn = await first.page.post(
        '/oauth/login',
        { email: owner.email, password: owner.password, return_to: returnTo },
        303,
      );
      const answer = await first.page.get(signedIn.headers.location as string, 302);
      expect(answerOf(answer)).toMatchObject({ code: expect.any(String), state: 'st-1' });
    });

    it('asks for a new sign-in when the last one is older than max_age', async () => {
      const client = await newClient();
      const { page } = await consentedCode(client);
      await t.app
        .get(DataSource)
        .getRepository(BrowserSession)
        .update({ userId: owner.userId }, { authTime: new Date(Date.now() - 3_600_000) });
      const old = await page.get(requestOf(client, { max_age: '600' }).path, 303);
      expect(locationOf(old).pathname).toBe('/oauth/login');
      expect(locationOf(old).searchParams.get('return_to')).not.toContain('max_age');
      const none = await page.get(requestOf(client, { max_age: '600', prompt: 'none' }).path, 302);
      expect(answerOf(none).error).toBe('login_required');
      // Recent enough: the remembered consent answers at once.
      const recent = await page.get(requestOf(client, { max_age: '7200' }).path, 302);
      expect(answerOf(recent).code).toEqual(expect.any(String));
    });
  });

  describe('consent', () => {
    it('lists each scope in words with the client’s name, and allowing gives a code the token endpoint takes', async () => {
      const client = await newClient();
      const page = await signedInBrowser(t, owner);
      const asked = requestOf(client, {
        scope: 'openid email offline_access translate:read translate:write',
        state: 'xyz 123',
        nonce: 'nonce-abc',
      });
      const shown = await page.get(asked.path, 200);
      expect(shown.headers['cache-control']).toBe('no-store');
      expect(shown.headers['x-frame-options']).toBe('DENY');
      // The form's answer redirects to the client: its origin is allowed, nothing else.
      expect(shown.headers['content-security-policy']).toContain(
        "form-action 'self' https://app.example;",
      );
      const html = shown.text;
      expect(html).toContain('<title>Authorize Test client · Tessera</title>');
      expect(html).toContain(`<strong>${owner.email}</strong>`);
      for (const description of [
        'Know who you are on Tessera',
        'See your email address',
        'Keep this access while you are not using the app',
        'See translations',
        'Create translations',
      ]) {
        expect(html).toContain(description);
      }
      expect(html).toContain('Either way you go back to <strong>app.example</strong>');
      expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
      const form = consentFormOf(html);
      expect(form.organizationIds).toEqual([owner.organizationId]);

      const allowed = await answerConsent(page, html, 'allow');
      expect(allowed.status).toBe(303);
      const location = locationOf(allowed);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      const answer = answerOf(allowed);
      expect(answer).toEqual({ code: expect.any(String), state: 'xyz 123', iss: ISSUER });
      expect(answer.code).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const tokens = await exchange(client, answer.code, asked.verifier).expect(200);
      expect(tokens.body.scope).toBe('openid email offline_access translate:read translate:write');
      const keys = createLocalJWKSet(
        (await request(t.http).get('/.well-known/jwks.json').expect(200)).body,
      );
      const { payload } = await jwtVerify(tokens.body.id_token, keys, {
        issuer: ISSUER,
        audience: client.clientId,
      });
      expect(payload).toMatchObject({ sub: owner.userId, nonce: 'nonce-abc', amr: ['pwd'] });
      const verified = await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(tokens.body.access_token))
        .expect(200);
      expect(verified.body).toMatchObject({
        subject: owner.userId,
        organization_id: owner.organizationId,
        client_id: client.clientId,
      });
      // The code is single use.
      await exchange(client, answer.code, asked.verifier).expect(400);
    });

    it('binds the code to its PKCE challenge, with no downgrade either way', async () => {
      const client = await newClient();
      const withChallenge = await consentedCode(client);
      const noVerifier = await exchange(client, withChallenge.answer.code).expect(400);
      expect(noVerifier.body.error).toBe('invalid_grant');
      const wrong = await exchange(client, withChallenge.answer.code, pkcePair().verifier);
      expect(wrong.body.error).toBe('invalid_grant');

      // A confidential client may send no challenge; a verifier presented then is refused.
      const asked = requestOf(client, {
        code_challenge: undefined,
        code_challenge_method: undefined,
      });
      const remembered = await withChallenge.page.get(asked.path, 302);
      const downgraded = await exchange(client, answerOf(remembered).code, asked.verifier);
      expect(downgraded.status).toBe(400);
      expect(downgraded.body.error).toBe('invalid_grant');
    });

    it('gives a public client its code only against the verifier', async () => {
      const spa = await newClient({ clientType: 'public' });
      const { answer, verifier } = await consentedCode(spa);
      await exchange(spa, answer.code).expect(400);
      const tokens = await exchange(spa, answer.code, verifier).expect(200);
      expect(tokens.body.access_token).toEqual(expect.any(String));
    });

    it('refuses the form without its CSRF token, or with another browser’s, with a 403 page', async () => {
      const client = await newClient();
      const page = await signedInBrowser(t, owner);
      const shown = await page.get(requestOf(client).path, 200);
      const form = consentFormOf(shown.text);
      const fields = {
        authorization: form.authorization,
        organization_id: form.checked!,
        decision: 'allow',
        return_to: form.returnTo!,
      };
      const missing = await request(t.http)
        .post(CONSENT)
        .set('Cookie', page.cookieHeader())
        .type('form')
        .send(new URLSearchParams(fields).toString());
      expectErrorPage(missing, 403, 'This form has expired');
      const other = await signedInBrowser(t, owner);
      await other.get('/oauth/login', 200);
      const foreign = await page.post(CONSENT, { ...fields, _csrf: other.csrfToken! });
      expectErrorPage(foreign, 403, 'This form has expired');
      const wrong = await page.post(CONSENT, { ...fields, _csrf: 'x'.repeat(40) });
      expectErrorPage(wrong, 403, 'This form has expired');
      // Its "Try again" asks the authorization request again.
      expect(wrong.text).toContain('<a class="button button-secondary" href="/oauth/authorize?');
    });

    it('refuses a sealed request that was changed, or that another browser session was shown', async () => {
      const client = await newClient();
      const page = await signedInBrowser(t, owner);
      const shown = await page.get(requestOf(client).path, 200);
      const form = consentFormOf(shown.text);
      const [version, body, mac] = form.authorization.split('.');
      const request = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const forged = Buffer.from(
        JSON.stringify({ ...request, redirectUri: 'https://evil.example/callback' }),
      ).toString('base64url');
      const changed = await page.post(CONSENT, {
        authorization: `${version}.${forged}.${mac}`,
        organization_id: form.checked!,
        decision: 'allow',
      });
      expectErrorPage(changed, 400, 'This page has expired');

      // The same owner in another browser (another session) cannot answer this page.
      const other = await signedInBrowser(t, owner);
      await other.get(requestOf(client).path, 200);
      const replayed = await other.post(CONSENT, {
        authorization: form.authorization,
        organization_id: form.checked!,
        decision: 'allow',
      });
      expectErrorPage(replayed, 400, 'This page has expired');
    });

    it('remembers the consent: the same or fewer scopes skip the page, more scopes or prompt=consent show it', async () => {
      const client = await newClient();
      const { page } = await consentedCode(client, owner, { scope: 'openid email translate:read' });

      const same = await page.get(requestOf(client, { scope: 'openid translate:read' }).path, 302);
      expect(answerOf(same)).toMatchObject({ code: expect.any(String), state: 'st-1' });
      const none = await page.get(requestOf(client, { prompt: 'none' }).path, 302);
      expect(answerOf(none).code).toEqual(expect.any(String));

      const wider = await page.get(
        requestOf(client, { scope: 'openid translate:write' }).path,
        200,
      );
      expect(wider.text).toContain('Create translations');
      const widerNone = await page.get(
        requestOf(client, { scope: 'openid translate:write', prompt: 'none' }).path,
        302,
      );
      expect(answerOf(widerNone)).toMatchObject({ error: 'consent_required', state: 'st-1' });

      const forced = await page.get(requestOf(client, { prompt: 'consent' }).path, 200);
      expect(forced.text).toContain('<title>Authorize Test client · Tessera</title>');
    });

    it('answers Deny with access_denied, state and iss, and remembers nothing', async () => {
      const client = await newClient();
      const page = await signedInBrowser(t, owner);
      const shown = await page.get(requestOf(client).path, 200);
      const denied = await answerConsent(page, shown.text, 'deny');
      expect(denied.status).toBe(303);
      expect(answerOf(denied)).toEqual({
        error: 'access_denied',
        error_description: 'The user denied the request',
        state: 'st-1',
        iss: ISSUER,
      });
      await page.get(requestOf(client).path, 200);
      const grants = await request(t.http)
        .get('/v1/oauth/grants')
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(grants.body.data.map((g: { client_id: string }) => g.client_id)).not.toContain(
        client.clientId,
      );
      const events = await auditEvents(owner, owner.organizationId, 'oauth.consent.denied');
      expect(events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor: expect.objectContaining({ type: 'user', id: owner.userId }),
            target: { type: 'oauth_client', id: client.clientId },
            outcome: 'denied',
          }),
        ]),
      );
    });

    it('audits the consent with its scopes and organization, and never a code', async () => {
      const client = await newClient();
      const { answer } = await consentedCode(client, owner, { scope: 'openid translate:read' });
      const events = await auditEvents(owner, owner.organizationId, 'oauth.consent.granted');
      const event = events.find((e) => e.metadata.client_id === client.clientId);
      expect(event).toMatchObject({
        actor: { type: 'user', id: owner.userId },
        target: { type: 'oauth_grant' },
        metadata: {
          client_id: client.clientId,
          scopes: 'openid translate:read',
          first_party: false,
        },
      });
      expect(JSON.stringify(events)).not.toContain(answer.code);
      expect(t.logs.lines.join('\n')).not.toContain(answer.code);
    });

    it('ends a remembered consent with DELETE /v1/oauth/grants/:id: the page is shown again', async () => {
      const client = await newClient();
      const { page, answer, verifier } = await consentedCode(client);
      await exchange(client, answer.code, verifier).expect(200);
      const grants = await request(t.http)
        .get('/v1/oauth/grants')
        .set(bearer(owner.accessToken))
        .expect(200);
      const grant = grants.body.data.find(
        (g: { client_id: string }) => g.client_id === client.clientId,
      );
      await page.get(requestOf(client).path, 302);
      await request(t.http)
        .delete(`/v1/oauth/grants/${grant.id}`)
        .set(bearer(owner.accessToken))
        .expect(204);
      const again = await page.get(requestOf(client).path, 200);
      expect(consentFormOf(again.text).organizationIds).toEqual([owner.organizationId]);
    });

    it('asks nothing of a first-party client, and records its grant once', async () => {
      // A first-party client (Tessera's own, as the console) gets codes on Tessera's origin only.
      const ownCallback = `${ISSUER}/first-party/callback`;
      const client = await newClient();
      await t.app
        .get(DataSource)
        .getRepository(OAuthClient)
        .update(
          { id: client.clientId },
          { firstParty: true, redirectUris: JSON.stringify([REDIRECT, ownCallback]) },
        );
      const page = await signedInBrowser(t, owner);
      const elsewhere = await page.get(requestOf(client).path, 400);
      expect(elsewhere.text).toContain('This link cannot be used');
      const own = { redirect_uri: ownCallback };
      const first = await page.get(requestOf(client, own).path, 302);
      expect(answerOf(first)).toMatchObject({ code: expect.any(String), state: 'st-1' });
      await page.get(requestOf(client, own).path, 302);
      const forced = await page.get(requestOf(client, { ...own, prompt: 'consent' }).path, 200);
      expect(forced.text).toContain('Authorize Test client');
      const events = await auditEvents(owner, owner.organizationId, 'oauth.consent.granted');
      const firstParty = events.filter((e) => e.metadata.client_id === client.clientId);
      expect(firstParty).toEqual([
        expect.objectContaining({ metadata: expect.objectContaining({ first_party: true }) }),
      ]);
    });

    describe('the organization the grant acts in', () => {
      it('offers each of the user’s organizations, the client’s first, and the token acts in the one chosen', async () => {
        const ada = await createUser(t, 'ada');
        const team = await request(t.http)
          .post('/v1/organizations')
          .set(bearer(ada.accessToken))
          .send({ name: 'Analytical Engines' })
          .expect(201);
        const client = await newClient(
          {},
          { accessToken: ada.accessToken, organizationId: team.body.id },
        );
        const page = await signedInBrowser(t, ada);
        const asked = requestOf(client);
        const shown = await page.get(asked.path, 200);
        const form = consentFormOf(shown.text);
        expect(form.organizationIds.sort()).toEqual([ada.organizationId, team.body.id].sort());
        expect(form.checked).toBe(team.body.id);
        expect(shown.text).toContain('Analytical Engines');
        expect(shown.text).toContain('<legend>Organization</legend>');
        expect(shown.text).not.toContain('does not belong to any of your organizations');

        // The personal organization instead of the client's: the grant and its tokens act there.
        const allowed = await answerConsent(page, shown.text, 'allow', ada.organizationId);
        const tokens = await exchange(client, answerOf(allowed).code, asked.verifier).expect(200);
        expect(decodeJwt(tokens.body.access_token).org_id).toBe(ada.organizationId);
        const events = await auditEvents(ada, ada.organizationId, 'oauth.consent.granted');
        expect(events.map((e) => e.metadata.client_id)).toContain(client.clientId);
        // Remembered in that organization: the next request skips the page.
        await page.get(requestOf(client).path, 302);
      });

      it('refuses an organization the user does not belong to, whatever the form says', async () => {
        const client = await newClient();
        const mallory = await createUser(t, 'mallory');
        const page = await signedInBrowser(t, mallory);
        const shown = await page.get(requestOf(client).path, 200);
        const forged = await answerConsent(page, shown.text, 'allow', owner.organizationId);
        expectErrorPage(forged, 403, 'Choose one of your organizations');
        const grants = await request(t.http)
          .get('/v1/oauth/grants')
          .set(bearer(mallory.accessToken))
          .expect(200);
        expect(grants.body.data).toEqual([]);
      });

      it('lets a user of another organization grant the client only their own: the client’s is neither offered nor named', async () => {
        const clientOrganization = await request(t.http)
          .get(`/v1/organizations/${owner.organizationId}`)
          .set(bearer(owner.accessToken))
          .expect(200);
        const client = await newClient();
        const bob = await createUser(t, 'bob');
        const page = await signedInBrowser(t, bob);
        const asked = requestOf(client);
        const shown = await page.get(asked.path, 200);
        const form = consentFormOf(shown.text);
        expect(form.organizationIds).toEqual([bob.organizationId]);
        expect(shown.text).not.toContain(owner.organizationId);
        expect(shown.text).not.toContain(clientOrganization.body.name);
        expect(shown.text).toContain('does not belong to any of your organizations');

        const allowed = await answerConsent(page, shown.text, 'allow');
        const tokens = await exchange(client, answerOf(allowed).code, asked.verifier).expect(200);
        const verified = await request(t.http)
          .get('/v1/auth/verify')
          .set(bearer(tokens.body.access_token))
          .expect(200);
        expect(verified.body).toMatchObject({
          subject: bob.userId,
          organization_id: bob.organizationId,
        });
        // Bob's token never acts in the client's organization.
        await request(t.http)
          .get(`/v1/organizations/${owner.organizationId}`)
          .set(bearer(tokens.body.access_token))
          .set('X-Organization-ID', owner.organizationId)
          .expect(403);
        // The consent is recorded in Bob's organization, not in the client's.
        const ownerSees = await auditEvents(owner, owner.organizationId, 'oauth.consent.granted');
        expect(ownerSees.map((e) => e.actor.id)).not.toContain(bob.userId);
        const bobSees = await auditEvents(bob, bob.organizationId, 'oauth.consent.granted');
        expect(bobSees.map((e) => e.metadata.client_id)).toContain(client.clientId);
      });
    });
  });

  describe('GET /oauth/logout (RP-initiated logout)', () => {
    /** A signed-in browser, and an ID token the client got through it. */
    async function signedInWithIdToken(client: TestClient, user: TestUser = owner) {
      const { page, answer, verifier } = await consentedCode(client, user, { prompt: 'consent' });
      const tokens = await exchange(client, answer.code, verifier).expect(200);
      return { page, idToken: tokens.body.id_token as string };
    }

    const sessionOf = async (page: PageClient) =>
      (
        await request(t.http)
          .get('/oauth/test/browser-session')
          .set('Cookie', page.cookieHeader())
          .expect(200)
      ).body.session as { userId: string } | null;

    const logoutPath = (parameters: Record<string, string | undefined>) => {
      const query = new URLSearchParams(
        Object.entries(parameters).filter((e): e is [string, string] => e[1] !== undefined),
      );
      return `/oauth/logout?${query.toString()}`;
    };

    const newLogoutClient = () =>
      newClient().then(async (client) => {
        await request(t.http)
          .patch(`/v1/oauth/clients/${client.clientId}`)
          .set(bearer(owner.accessToken))
          .send({ post_logout_redirect_uris: [POST_LOGOUT] })
          .expect(200);
        return client;
      });

    it('signs out at once with a valid id_token_hint and returns to the registered URI with state', async () => {
      const client = await newLogoutClient();
      const { page, idToken } = await signedInWithIdToken(client);
      const response = await page.get(
        logoutPath({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT, state: 's 1' }),
        303,
      );
      expect(response.headers.location).toBe(`${POST_LOGOUT}?state=s+1`);
      expect(await sessionOf(page)).toBeNull();
      const events = await auditEvents(owner, owner.organizationId, 'session.logged_out');
      expect(events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor: expect.objectContaining({ id: owner.userId }),
            metadata: expect.objectContaining({ via: 'browser', client_id: client.clientId }),
          }),
        ]),
      );
      expect(t.logs.lines.join('\n')).not.toContain(idToken);
    });

    it('never redirects to a URI the client did not register: it signs out and shows the page', async () => {
      const client = await newLogoutClient();
      for (const uri of [
        'https://evil.example/signed-out',
        `${POST_LOGOUT}/more`,
        REDIRECT, // a redirect URI, not a post-logout one
      ]) {
        const { page, idToken } = await signedInWithIdToken(client);
        const response = await page.get(
          logoutPath({ id_token_hint: idToken, post_logout_redirect_uri: uri, state: 's' }),
          200,
        );
        expect(response.headers.location).toBeUndefined();
        expect(response.text).toContain('<title>You are signed out · Tessera</title>');
        expect(response.text).not.toContain(uri);
        expect(await sessionOf(page)).toBeNull();
      }
    });

    it('asks first without a valid hint: a third-party page cannot sign anyone out', async () => {
      const client = await newLogoutClient();
      const { page, idToken } = await signedInWithIdToken(client);
      const [header, payload] = idToken.split('.');
      for (const hint of [
        undefined,
        `${header}.${payload}.${'A'.repeat(342)}`,
        'not-a-jwt',
        owner.accessToken,
      ]) {
        const response = await page.get(
          logoutPath({
            id_token_hint: hint,
            client_id: client.clientId,
            post_logout_redirect_uri: POST_LOGOUT,
          }),
          200,
        );
        expect(response.text).toContain('<title>Sign out of Tessera? · Tessera</title>');
        expect(response.headers['content-security-policy']).toContain(
          "form-action 'self' https://app.example;",
        );
        expect(await sessionOf(page)).toMatchObject({ userId: owner.userId });
      }
      // A hint of another user's: asked too.
      const other = await createUser(t, 'other');
      const theirs = await signedInWithIdToken(client, other);
      await page.get(logoutPath({ id_token_hint: theirs.idToken }), 200);
      expect(await sessionOf(page)).toMatchObject({ userId: owner.userId });

      // The form without its CSRF token: refused.
      const forged = await request(t.http)
        .post('/oauth/logout')
        .set('Cookie', page.cookieHeader())
        .type('form')
        .send({ decision: 'sign_out' });
      expectErrorPage(forged, 403, 'This form has expired');
      expect(await sessionOf(page)).toMatchObject({ userId: owner.userId });

      const stay = await page.post(
        '/oauth/logout',
        { decision: 'stay', client_id: client.clientId, post_logout_redirect_uri: POST_LOGOUT },
        303,
      );
      expect(stay.headers.location).toBe(POST_LOGOUT);
      expect(await sessionOf(page)).toMatchObject({ userId: owner.userId });

      const confirmed = await page.post(
        '/oauth/logout',
        {
          decision: 'sign_out',
          client_id: client.clientId,
          post_logout_redirect_uri: POST_LOGOUT,
          state: 'abc',
        },
        303,
      );
      expect(confirmed.headers.location).toBe(`${POST_LOGOUT}?state=abc`);
      expect(await sessionOf(page)).toBeNull();
    });

    it('checks the posted URI again: an unregistered one gets the page', async () => {
      const client = await newLogoutClient();
      const { page } = await signedInWithIdToken(client);
      await page.get(logoutPath({}), 200);
      const response = await page.post(
        '/oauth/logout',
        {
          decision: 'sign_out',
          client_id: client.clientId,
          post_logout_redirect_uri: 'https://evil.example/',
        },
        200,
      );
      expect(response.text).toContain('You are signed out');
      expect(await sessionOf(page)).toBeNull();
    });

    it('sends a browser that is not signed in straight back to a registered URI, or shows the page', async () => {
      const client = await newLogoutClient();
      const response = await request(t.http)
        .get(
          logoutPath({
            client_id: client.clientId,
            post_logout_redirect_uri: POST_LOGOUT,
            state: 'q',
          }),
        )
        .expect(303);
      expect(response.headers.location).toBe(`${POST_LOGOUT}?state=q`);
      const page = await request(t.http)
        .get(
          logoutPath({
            client_id: client.clientId,
            post_logout_redirect_uri: 'https://evil.example/',
          }),
        )
        .expect(200);
      expect(page.text).toContain('You are signed out');
    });

    it('ignores a client_id that disagrees with the hint’s audience', async () => {
      const client = await newLogoutClient();
      const other = await newLogoutClient();
      const { page, idToken } = await signedInWithIdToken(client);
      const response = await page.get(
        logoutPath({
          id_token_hint: idToken,
          client_id: other.clientId,
          post_logout_redirect_uri: POST_LOGOUT,
        }),
        200,
      );
      expect(response.text).toContain('You are signed out');
      expect(await sessionOf(page)).toBeNull();
    });
  });

  it('publishes the endpoints and prompt values in discovery', async () => {
    const response = await request(t.http).get('/.well-known/openid-configuration').expect(200);
    expect(response.body).toMatchObject({
      authorization_endpoint: `${ISSUER}/oauth/authorize`,
      end_session_endpoint: `${ISSUER}/oauth/logout`,
      prompt_values_supported: ['none', 'login', 'consent'],
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      request_uri_parameter_supported: false,
    });
  });
});

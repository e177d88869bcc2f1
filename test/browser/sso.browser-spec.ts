import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { authorizePath } from '../utils/authorize';
import { BrowserSessionTestModule } from '../utils/browser-session-test.module';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer } from '../utils/factories';
import { freePort } from '../utils/free-port';
import { basicAuth, pkcePair } from '../utils/oauth';
import {
  describeWithSimpleSamlPhp,
  IdpUser,
  SimpleSamlPhpIdp,
  startSimpleSamlPhpIdp,
} from '../utils/simplesamlphp-idp';
import { TestConnection, uniqueDomain, verifyDomainAsOperator } from '../utils/sso';
import { createTeam, Team } from '../utils/teams';
import { testDatabaseUrl } from '../utils/test-env';
import { cspViolationsOf, describeWithChromium, launchChromium, screenshot } from './chromium';

const SCOPE = 'openid email profile';

/**
 * "Sign in with SSO" in a real browser: the hosted login page, the work email, the
 * organization's IdP (Debian's SimpleSAMLphp, started by the test) with its own login form, and
 * back to Tessera signed in; and the same from an application's authorization request, which
 * goes on to consent and the application's redirect URI. Tessera is on `localhost`, the IdP on
 * `127.0.0.1`: another site, as an organization's IdP is, so the IdP's post to the ACS is a
 * cross-site form post and the session cookie must still be set and then sent.
 */
describeWithChromium('SAML SSO in Chromium', () => {
  describeWithSimpleSamlPhp('with SimpleSAMLphp as the IdP', () => {
    let t: TestApp;
    let base: string;
    let callback: string;
    let team: Team;
    let idp: SimpleSamlPhpIdp;
    let connection: TestConnection;
    let browser: Browser;
    let context: BrowserContext;
    let ada: IdpUser;
    let grace: IdpUser;

    beforeAll(async () => {
      const port = await freePort();
      base = `http://localhost:${port}`;
      callback = `http://127.0.0.1:${port}/oauth/test/callback`;
      // The ACS URL the IdP posts to is built from the issuer: it must be where the app listens.
      t = await createTestApp(
        { TESSERA_ISSUER: base },
        { extraModules: [BrowserSessionTestModule] },
      );
      await t.app.listen(port, '127.0.0.1');
      team = await createTeam(t);
      // A readable domain on the suite's own SQLite file, for the screenshots.
      const domain = testDatabaseUrl() ? uniqueDomain('acme') : 'acme-corp.example';
      ada = {
        username: 'ada',
        password: 'analytical engine',
        email: `ada@${domain}`,
        groups: ['engineering'],
      };
      grace = { username: 'grace', password: 'cobol 1959', email: `grace@${domain}`, groups: [] };
      idp = await startSimpleSamlPhpIdp({ users: [ada, grace] });
      const created = await request(t.http)
        .post('/v1/sso/connections')
        .set(team.inOrg(team.owner))
        .send({
          name: 'Acme Corp SSO',
          provider: 'custom_saml',
          idp_metadata_xml: idp.metadataXml,
          domains: [domain],
        })
        .expect(201);
      connection = created.body as TestConnection;
      // The login page's "Sign in with SSO" routes by verified domains only.
      await verifyDomainAsOperator(t, connection, domain);
      idp.registerServiceProvider({
        entityId: connection.sp_entity_id,
        acsUrl: connection.acs_url,
      });
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await idp?.stop();
      expect(t.logs.serverErrors()).toEqual([]);
      await t.close();
    });
    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    });
    afterEach(() => context.close());

    /** Types the work email into the login page's SSO form and sends it. */
    async function signInWithSso(page: Page, user: IdpUser, name?: string): Promise<void> {
      await page.getByLabel('Work email').fill(user.email);
      if (name) await screenshot(page, name);
      await page.getByRole('button', { name: 'Sign in with SSO' }).click();
    }

    /** SimpleSAMLphp's own login form, filled as a person would. */
    async function signInAtIdp(page: Page, user: IdpUser, name?: string): Promise<void> {
      await page.waitForURL((url) => url.href.startsWith(idp.baseUrl));
      await page.locator('#username').fill(user.username);
      await page.locator('#password').fill(user.password);
      if (name) await screenshot(page, name);
      await page.locator('#password').press('Enter');
    }

    const members = async () => {
      const list = await request(t.http)
        .get(`/v1/organizations/${team.organizationId}/members?limit=100`)
        .set(bearer(team.owner.accessToken))
        .expect(200);
      return list.body.data as { user_id: string; email: string; role: string }[];
    };

    it('signs in from the login page through the IdP and comes back signed in, provisioned', async () => {
      const page = await context.newPage();
      const violations = cspViolationsOf(page);
      await page.goto(`${base}/oauth/login`);
      await expect(page.title()).resolves.toBe('Sign in · Tessera');
      await signInWithSso(page, ada, 'login-sso');
      await signInAtIdp(page, ada, 'sso-idp');

      await page.waitForURL(`${base}/sso/${connection.id}/acs`);
      await expect(page.title()).resolves.toBe('You are signed in · Tessera');
      await expect(page.locator('.lead').textContent()).resolves.toBe(`Signed in as ${ada.email}.`);

      await page.goto(`${base}/oauth/test/browser-session`);
      const session = JSON.parse((await page.locator('body').textContent()) ?? '') as {
        session: { userId: string; amr: string[] } | null;
      };
      expect(session.session).toMatchObject({ userId: expect.any(String) });
      expect(await members()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            user_id: session.session!.userId,
            email: ada.email,
            role: 'member',
          }),
        ]),
      );
      expect(violations).toEqual([]);
    });

    it('continues an authorization request after SSO: consent, then the redirect URI with a code', async () => {
      const app = await request(t.http)
        .post('/v1/oauth/clients')
        .set(team.inOrg(team.owner))
        .send({
          name: 'Acme Dashboard',
          client_type: 'confidential',
          redirect_uris: [callback],
          scopes: SCOPE.split(' '),
        })
        .expect(201);
      const pkce = pkcePair();
      const page = await context.newPage();
      const violations = cspViolationsOf(page);
      await page.goto(
        `${base}${authorizePath({
          client_id: app.body.client_id,
          redirect_uri: callback,
          response_type: 'code',
          scope: SCOPE,
          state: 'xyz-123',
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        })}`,
      );
      await expect(page.locator('.context').textContent()).resolves.toBe(
        'to continue to Acme Dashboard',
      );
      await signInWithSso(page, grace);
      await signInAtIdp(page, grace);

      // Back from the IdP, the authorization request goes on: consent for the application.
      await page.waitForURL((url) => url.href.startsWith(`${base}/oauth/authorize`));
      await expect(page.title()).resolves.toBe('Authorize Acme Dashboard · Tessera');
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.href.startsWith(callback));
      const { query } = JSON.parse((await page.locator('body').textContent()) ?? '') as {
        query: Record<string, string>;
      };
      expect(query).toEqual({ code: expect.any(String), state: 'xyz-123', iss: base });

      const tokens = await request(t.http)
        .post('/oauth/token')
        .set(basicAuth(app.body.client_id, app.body.client_secret))
        .type('form')
        .send({
          grant_type: 'authorization_code',
          code: query.code,
          redirect_uri: callback,
          code_verifier: pkce.verifier,
        })
        .expect(200);
      const userinfo = await request(t.http)
        .get('/oauth/userinfo')
        .set(bearer(tokens.body.access_token))
        .expect(200);
      expect(userinfo.body.email).toBe(grace.email);
      expect(violations).toEqual([]);
    });

    it('shows the SSO form on its own and what was wrong with the email, like the other pages', async () => {
      const page = await context.newPage();
      const violations = cspViolationsOf(page);
      await page.goto(`${base}/sso/login`);
      await expect(page.title()).resolves.toBe('Sign in with SSO · Tessera');
      await page.getByLabel('Work email').fill('someone@unknown-corp.example');
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toBe(
        'No single sign-on is set up for this email address.',
      );
      await expect(page.getByLabel('Work email').inputValue()).resolves.toBe(
        'someone@unknown-corp.example',
      );
      await screenshot(page, 'sso-login-error');
      expect(violations).toEqual([]);
    });

    it('refuses the IdP’s response posted a second time with a page naming the reason', async () => {
      const page = await context.newPage();
      const violations = cspViolationsOf(page);
      const posted: string[] = [];
      page.on('request', (sent) => {
        if (sent.method() === 'POST' && sent.url() === connection.acs_url) {
          posted.push(sent.postData() ?? '');
        }
      });
      await page.goto(`${base}/sso/${connection.id}/login`);
      await signInAtIdp(page, ada);
      await page.waitForURL(`${base}/sso/${connection.id}/acs`);
      await expect(page.title()).resolves.toBe('You are signed in · Tessera');
      expect(posted).toHaveLength(1);

      // The same form again, from another page of the browser: the sign-in it answered is over.
      const samlResponse = new URLSearchParams(posted[0]).get('SAMLResponse') ?? '';
      const again = await context.newPage();
      const againViolations = cspViolationsOf(again);
      await again.goto(`${base}/oauth/test/browser-session`);
      // base64 only: nothing to escape in the attribute.
      await again.setContent(
        `<form method="post" action="${connection.acs_url}">` +
          `<input type="hidden" name="SAMLResponse" value="${samlResponse}">` +
          '<button>Post it again</button></form>',
      );
      await again.getByRole('button', { name: 'Post it again' }).click();
      await again.waitForURL(connection.acs_url);
      await expect(again.title()).resolves.toBe('Single sign-on failed · Tessera');
      await expect(again.locator('code').textContent()).resolves.toBe('unknown_request');
      await screenshot(again, 'sso-error');
      expect(violations).toEqual([]);
      expect(againViolations).toEqual([]);
    });
  });
});

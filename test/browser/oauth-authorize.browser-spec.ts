import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { authorizePath } from '../utils/authorize';
import { BrowserSessionTestModule } from '../utils/browser-session-test.module';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, login } from '../utils/factories';
import { basicAuth, pkcePair } from '../utils/oauth';
import { testDatabaseUrl } from '../utils/test-env';
import { cspViolationsOf, describeWithChromium, launchChromium, screenshot } from './chromium';

const SCOPE = 'openid profile email offline_access translate:read documents:write';

interface Person {
  userId: string;
  email: string;
  password: string;
  accessToken: string;
  organizationId: string;
}

interface App {
  clientId: string;
  clientSecret: string;
}

/**
 * The authorization code flow in a real browser: an application's authorization request, the
 * login page, the consent page, and the browser landing on the application's redirect URI with a
 * code. The redirect URI is on another origin than the pages (`localhost` against `127.0.0.1`),
 * as an application's is: Chromium holds the redirect that ends a form's post to the page's CSP
 * `form-action`, so this is where a policy that forgot the application's origin would show.
 */
describeWithChromium('the authorization code flow in Chromium', () => {
  let t: TestApp;
  let base: string;
  let callback: string;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    t = await createTestApp({}, { extraModules: [BrowserSessionTestModule] });
    await t.app.listen(0, '127.0.0.1');
    const port = (t.http.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    callback = `http://localhost:${port}/oauth/test/callback`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  });
  afterEach(() => context.close());

  /** A registered user; a readable email on the suite's own SQLite file, for the screenshots. */
  async function register(name: string, fullName: string): Promise<Person> {
    const email = testDatabaseUrl()
      ? `${name}-${Date.now().toString(36)}@example.com`
      : `${name}@example.com`;
    const password = 'correct horse battery staple';
    const registered = await request(t.http)
      .post('/v1/auth/register')
      .send({ email, password, full_name: fullName })
      .expect(201);
    const tokens = await login(t, email, password);
    return {
      userId: registered.body.user_id,
      email,
      password,
      accessToken: tokens.access_token,
      organizationId: registered.body.organization_id,
    };
  }

  async function newOrganization(person: Person, name: string): Promise<string> {
    const created = await request(t.http)
      .post('/v1/organizations')
      .set(bearer(person.accessToken))
      .send({ name })
      .expect(201);
    return created.body.id;
  }

  async function registerApp(person: Person, organizationId: string): Promise<App> {
    const created = await request(t.http)
      .post('/v1/oauth/clients')
      .set(bearer(person.accessToken))
      .set('X-Organization-ID', organizationId)
      .send({
        name: 'Acme Dashboard',
        client_type: 'confidential',
        redirect_uris: [callback],
        scopes: SCOPE.split(' '),
      })
      .expect(201);
    return { clientId: created.body.client_id, clientSecret: created.body.client_secret };
  }

  function authorizationUrl(app: App, challenge: string): string {
    return `${base}${authorizePath({
      client_id: app.clientId,
      redirect_uri: callback,
      response_type: 'code',
      scope: SCOPE,
      state: 'af0ifjsldkj',
      nonce: 'n-0S6_WzA2Mj',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })}`;
  }

  async function signIn(page: Page, person: Person): Promise<void> {
    await expect(page.title()).resolves.toBe('Sign in · Tessera');
    await expect(page.locator('.context').textContent()).resolves.toBe(
      'to continue to Acme Dashboard',
    );
    await page.getByLabel('Email', { exact: true }).fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/oauth\/authorize\?/);
  }

  /** The query the application's redirect URI was reached with. */
  async function landedWith(page: Page): Promise<Record<string, string>> {
    await page.waitForURL((url) => url.href.startsWith(callback));
    const body = JSON.parse((await page.locator('body').textContent()) ?? '') as {
      query: Record<string, string>;
    };
    return body.query;
  }

  it('signs in, approves consent and lands on the redirect URI with a code the token endpoint takes', async () => {
    const ada = await register('ada', 'Ada Lovelace');
    const app = await registerApp(ada, ada.organizationId);
    const pkce = pkcePair();
    const page = await context.newPage();
    const violations = cspViolationsOf(page);
    await page.goto(authorizationUrl(app, pkce.challenge));
    await signIn(page, ada);

    await expect(page.title()).resolves.toBe('Authorize Acme Dashboard · Tessera');
    await expect(
      page.getByRole('heading', { name: 'It will be able to' }).isVisible(),
    ).resolves.toBe(true);
    const scopes = await page.locator('.scopes li .scope-description').allTextContents();
    expect(scopes).toEqual([
      'Know who you are on Tessera',
      'See your name',
      'See your email address',
      'Keep this access while you are not using the app',
      'See translations',
      'Upload and change documents',
    ]);
    await expect(page.locator('.organization').textContent()).resolves.toContain('Ada Lovelace');
    await screenshot(page, 'consent');
    // Allow comes first in the focus order, then Deny.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect(page.locator(':focus').textContent()).resolves.toBe('Allow');
    await page.keyboard.press('Tab');
    await expect(page.locator(':focus').textContent()).resolves.toBe('Deny');

    await page.getByRole('button', { name: 'Allow' }).click();
    const answer = await landedWith(page);
    expect(answer).toEqual({
      code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      state: 'af0ifjsldkj',
      iss: 'http://tessera.test',
    });
    const tokens = await request(t.http)
      .post('/oauth/token')
      .set(basicAuth(app.clientId, app.clientSecret))
      .type('form')
      .send({
        grant_type: 'authorization_code',
        code: answer.code,
        redirect_uri: callback,
        code_verifier: pkce.verifier,
      })
      .expect(200);
    expect(tokens.body.scope).toBe(SCOPE);
    expect(violations).toEqual([]);

    // Consent remembered: the next request goes straight back to the application.
    const again = await context.newPage();
    await again.goto(authorizationUrl(app, pkcePair().challenge));
    await expect(landedWith(again)).resolves.toMatchObject({ code: expect.any(String) });

    // In another browser, with the consent remembered, the login form's post itself ends at the
    // application (login, authorize, redirect URI): the login page admits its origin too.
    const other = await browser.newContext();
    try {
      const fresh = await other.newPage();
      const freshViolations = cspViolationsOf(fresh);
      await fresh.goto(authorizationUrl(app, pkcePair().challenge));
      await fresh.getByLabel('Email', { exact: true }).fill(ada.email);
      await fresh.getByLabel('Password').fill(ada.password);
      await fresh.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect(landedWith(fresh)).resolves.toMatchObject({ code: expect.any(String) });
      expect(freshViolations).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('lets a user in several organizations choose the one the application acts in', async () => {
    const grace = await register('grace', 'Grace Hopper');
    const acme = await newOrganization(grace, 'Acme Corp');
    await newOrganization(grace, 'Navy Research Lab');
    const app = await registerApp(grace, acme);
    const page = await context.newPage();
    const violations = cspViolationsOf(page);
    await page.goto(authorizationUrl(app, pkcePair().challenge));
    await signIn(page, grace);

    const choices = page.getByRole('radio');
    await expect(choices.count()).resolves.toBe(3);
    // The application's own organization comes first, chosen.
    await expect(page.locator('.choice-name').first().textContent()).resolves.toBe('Acme Corp');
    await expect(page.getByRole('radio', { name: /Acme Corp/ }).isChecked()).resolves.toBe(true);
    await screenshot(page, 'consent-organizations');
    await page.getByRole('radio', { name: /Navy Research Lab/ }).check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await expect(landedWith(page)).resolves.toMatchObject({ code: expect.any(String) });

    const grants = await request(t.http)
      .get('/v1/oauth/grants')
      .set(bearer(grace.accessToken))
      .expect(200);
    const organizations = await request(t.http)
      .get('/v1/organizations')
      .set(bearer(grace.accessToken))
      .expect(200);
    const navy = organizations.body.data.find(
      (o: { name: string }) => o.name === 'Navy Research Lab',
    );
    expect(grants.body.data).toEqual([
      expect.objectContaining({ client_id: app.clientId, organization_id: navy.id }),
    ]);
    expect(violations).toEqual([]);
  });

  it('sends Deny back to the application as access_denied', async () => {
    const alan = await register('alan', 'Alan Turing');
    const app = await registerApp(alan, alan.organizationId);
    const page = await context.newPage();
    const violations = cspViolationsOf(page);
    await page.goto(authorizationUrl(app, pkcePair().challenge));
    await signIn(page, alan);
    await page.getByRole('button', { name: 'Deny' }).click();
    await expect(landedWith(page)).resolves.toEqual({
      error: 'access_denied',
      error_description: 'The user denied the request',
      state: 'af0ifjsldkj',
      iss: 'http://tessera.test',
    });
    expect(violations).toEqual([]);
  });

  it('fits the consent page on a phone without sideways scrolling', async () => {
    const katherine = await register('katherine', 'Katherine Johnson');
    const app = await registerApp(katherine, katherine.organizationId);
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const page = await phone.newPage();
      const violations = cspViolationsOf(page);
      await page.goto(authorizationUrl(app, pkcePair().challenge));
      await signIn(page, katherine);
      await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBe(390);
      await screenshot(page, 'consent-mobile');
      expect(violations).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('asks before signing out without an ID token hint, then shows the signed-out page', async () => {
    const mary = await register('mary', 'Mary Jackson');
    const page = await context.newPage();
    const violations = cspViolationsOf(page);
    await page.goto(`${base}/oauth/login`);
    await page.getByLabel('Email', { exact: true }).fill(mary.email);
    await page.getByLabel('Password').fill(mary.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.title()).resolves.toBe('You are signed in · Tessera');

    await page.goto(`${base}/oauth/logout`);
    await expect(page.title()).resolves.toBe('Sign out of Tessera? · Tessera');
    await screenshot(page, 'logout');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.title()).resolves.toBe('You are signed out · Tessera');
    expect((await context.cookies()).map((c) => c.name)).not.toContain('tessera_session');
    expect(violations).toEqual([]);
  });
});

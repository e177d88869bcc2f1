import { readFileSync } from 'node:fs';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, login } from '../utils/factories';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';
import { clientCredentialsToken, registerClient } from '../utils/oauth';
import { SamlTestIdp } from '../utils/saml-test-idp';
import { KeyFile, serviceAccountToken } from '../utils/service-accounts';
import { testDatabaseUrl } from '../utils/test-env';
import { cspViolationsOf, describeWithChromium, launchChromium } from './chromium';
import { assertConsoleBuilt, consoleScreenshot, seriousAxeViolations } from './console-page';

/** Runs `check` until it passes (at most `timeoutMs`), for what the server writes a moment later. */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

interface Person {
  userId: string;
  email: string;
  password: string;
  organizationId: string;
}

/**
 * The web console in Chromium against a real listening Tessera: signed in through the hosted
 * login page (authorization code + PKCE, the console's first-party client), then each page as a
 * person uses it, with the console's CSP enforced (a refused script, style or request shows as a
 * console error) and axe-core's serious and critical findings counted on every page.
 */
describeWithChromium('the web console in Chromium', () => {
  let t: ListeningTestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let violations: string[];

  beforeAll(async () => {
    assertConsoleBuilt();
    t = await createListeningApp({ API_KEY_USAGE_FLUSH_MS: '200' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    page = await context.newPage();
    violations = cspViolationsOf(page);
  });
  afterEach(async () => {
    expect(violations).toEqual([]);
    await context.close();
  });

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
    return {
      userId: registered.body.user_id,
      email,
      password,
      organizationId: registered.body.organization_id,
    };
  }

  /** Opens the console at `path`: the hosted login page first, then back, signed in. */
  async function signIn(person: Person, path = '/console/keys'): Promise<void> {
    await page.goto(`${t.url}${path}`);
    await page.waitForURL(/\/oauth\/login/);
    await page.getByLabel('Email', { exact: true }).fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${t.url}${path}`);
  }

  async function expectAccessible(): Promise<void> {
    await expect(seriousAxeViolations(page)).resolves.toEqual([]);
  }

  it('signs in, creates a key and shows it once, lists its last use, revokes it', async () => {
    const ada = await register('ada', 'Ada Lovelace');
    await signIn(ada);
    // Back at the console's address it still shows "Signing you in…" while it exchanges the code
    // and asks who the caller is: read the heading once the page has replaced it.
    await page.getByRole('heading', { level: 1, name: 'API keys', exact: true }).waitFor();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('API keys');
    await page.getByText('No API keys here yet').waitFor();
    await expectAccessible();

    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an API key' });
    await dialog.getByLabel('Name').fill('Billing service');
    await dialog.getByRole('button', { name: 'Read-only' }).click();
    await dialog.getByLabel('translate:write').check();
    await dialog.getByLabel('Requests per hour').fill('500');
    await consoleScreenshot(page, 'api-key-create');
    await expectAccessible();
    await dialog.getByRole('button', { name: 'Create key' }).click();

    const created = page.getByRole('dialog', { name: 'Your new API key' });
    const secret = await created.getByLabel('API key').inputValue();
    expect(secret).toMatch(/^tk_live_/);
    await created.getByText('will not show it again').waitFor();
    await created.getByRole('button', { name: 'Copy' }).click();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(secret);
    await consoleScreenshot(page, 'api-key-secret');
    await expectAccessible();

    const verified = await request(t.http)
      .get('/v1/auth/verify')
      .set('Authorization', `Bearer ${secret}`)
      .expect(200);
    expect(verified.body).toMatchObject({ principal_type: 'api_key' });
    expect(verified.body.scopes).toContain('translate:write');

    await created.getByRole('button', { name: 'I have copied it' }).click();
    const row = page.getByRole('row', { name: /Billing service/ });
    await row.waitFor();
    // The use is written by the usage flush (200 ms here): reload until the list shows it.
    await eventually(async () => {
      await page.reload();
      const text = await page.getByRole('row', { name: /Billing service/ }).textContent();
      expect(text).toMatch(/just now|minute ago/);
    });
    await consoleScreenshot(page, 'api-keys');

    await page.getByRole('link', { name: 'Billing service' }).click();
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    await page
      .getByRole('img', { name: /Requests per hour over the last 24 hours: 1 in all/ })
      .waitFor();
    await expect(page.locator('.facts').textContent()).resolves.toContain('127.0.0.1');
    await consoleScreenshot(page, 'api-key');
    await expectAccessible();

    await page.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke this key?' });
    await expect(confirm.locator(':focus').textContent()).resolves.toBe('Cancel');
    await consoleScreenshot(page, 'api-key-revoke');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('revoked', { exact: true }).first().waitFor();
    const refused = await request(t.http)
      .get('/v1/auth/verify')
      .set('Authorization', `Bearer ${secret}`)
      .expect(401);
    expect(refused.body.detail).toMatch(/revoked/i);

    // A machine's three tokens: the first one's event at once, the other two as one counted event.
    const { access_token: accessToken } = await login(t, ada.email, ada.password);
    const machine = await registerClient(t, { accessToken, organizationId: ada.organizationId });
    for (let i = 0; i < 3; i++) await clientCredentialsToken(t, machine);

    // The audit page shows all of it, and the chain verifies.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'api_key.revoked' }).waitFor();
    await page.getByRole('button', { name: 'api_key.created' }).waitFor();
    const issued = page.getByRole('row', { name: /oauth\.token\.issued/ });
    await expect(issued.allTextContents()).resolves.toEqual([
      expect.stringMatching(/oauth\.token\.issued ×2/),
      expect.not.stringMatching(/×/),
    ]);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText(/The chain is intact: \d+ events checked/).waitFor();
    await consoleScreenshot(page, 'audit');
    await expectAccessible();
    await page.getByLabel('Action').fill('api_key.revoked');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(async () => {
      await expect(page.getByRole('button', { name: 'api_key.created' }).count()).resolves.toBe(0);
    });
    await page.getByRole('button', { name: 'api_key.revoked' }).click();
    const detail = page.getByRole('dialog', { name: 'api_key.revoked' });
    await expect(detail.locator('pre').textContent()).resolves.toContain(
      '"action": "api_key.revoked"',
    );
    await consoleScreenshot(page, 'audit-event');
    await expectAccessible();
  });

  it('creates a service account whose downloaded key file gets a token', async () => {
    const grace = await register('grace', 'Grace Hopper');
    await signIn(grace, '/console/service-accounts');
    await page.getByText('No service accounts yet').waitFor();
    await page.getByRole('button', { name: 'Create service account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a service account' });
    await dialog.getByLabel('Name').fill('Nightly export');
    await dialog.getByLabel('Description').fill('Copies the documents to the archive at 02:00');
    await dialog.getByLabel('documents:read').check();
    await dialog.getByRole('button', { name: 'Create service account' }).click();
    const created = page.getByRole('dialog', { name: 'Service account created' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      created.getByRole('button', { name: 'Download key file' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^tessera-service-account-.+\.json$/);
    const keyFile = JSON.parse(readFileSync(await download.path(), 'utf8')) as KeyFile;
    expect(keyFile).toMatchObject({
      type: 'service_account',
      organization_id: grace.organizationId,
    });
    await consoleScreenshot(page, 'service-account-key-file');
    await expectAccessible();

    // The key file works: a signed assertion gets a token that acts as the account.
    const token = await serviceAccountToken(t, keyFile);
    const verified = await request(t.http).get('/v1/auth/verify').set(bearer(token)).expect(200);
    expect(verified.body).toMatchObject({ principal_type: 'service_account' });
    expect(verified.body.scopes).toEqual(['documents:read']);

    await created.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('row', { name: /Nightly export/ }).waitFor();
    await consoleScreenshot(page, 'service-accounts');
    await page.getByRole('button', { name: 'Manage Nightly export' }).click();
    const manage = page.getByRole('dialog', { name: 'Nightly export' });
    await manage.getByRole('row', { name: /active/ }).waitFor();
    await manage.getByRole('button', { name: 'Disable' }).click();
    await manage.getByRole('button', { name: 'Enable' }).waitFor();
    await expectAccessible();
    await request(t.http).get('/v1/auth/verify').set(bearer(token)).expect(401);
  });

  it('creates an SSO connection from IdP metadata and shows what to paste into the IdP', async () => {
    const linus = await register('linus', 'Linus Pauling');
    const idp = new SamlTestIdp();
    await signIn(linus, '/console/sso');
    await page.getByText('No SSO connection yet').waitFor();
    await page.getByRole('button', { name: 'New SAML connection' }).click();
    const dialog = page.getByRole('dialog', { name: 'New SAML connection' });
    await dialog.getByLabel('Name', { exact: true }).fill('Okta (staff)');
    await dialog.getByLabel('Metadata XML').fill(idp.metadataXml());
    const domain = `pauling-${Date.now().toString(36)}.example`;
    await dialog.getByLabel('Email domains').fill(domain);
    await dialog.getByLabel('groups').fill('memberOf');
    await consoleScreenshot(page, 'sso-create');
    await expectAccessible();
    await dialog.getByRole('button', { name: 'Create connection' }).click();

    const setup = page.getByRole('dialog', { name: 'Okta (staff)' });
    const acs = await setup.getByLabel('ACS URL (single sign-on URL)').inputValue();
    expect(acs).toMatch(new RegExp(`^${t.url}/sso/[\\w-]+/acs$`));
    const metadataUrl = await setup.getByLabel('SP metadata URL').inputValue();
    const metadata = await request(t.http).get(new URL(metadataUrl).pathname).expect(200);
    expect(metadata.text).toContain(acs);
    await expect(
      setup.getByRole('link', { name: 'Test sign-in' }).getAttribute('href'),
    ).resolves.toMatch(/\/sso\/[\w-]+\/login/);
    await expect(setup.textContent()).resolves.toContain('groups ← memberOf');
    await consoleScreenshot(page, 'sso-connection');
    await expectAccessible();
    const listed = await request(t.http)
      .get('/v1/sso/connections')
      .set(bearer((await login(t, linus.email, linus.password)).access_token))
      .expect(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ name: 'Okta (staff)', domains: [domain] }),
    ]);
  });

  it('shows a viewer no create button, and the API refuses them anyway', async () => {
    const owner = await register('marie', 'Marie Curie');
    const viewer = await register('pierre', 'Pierre Curie');
    const ownerToken = (await login(t, owner.email, owner.password)).access_token;
    await request(t.http)
      .post(`/v1/organizations/${owner.organizationId}/members`)
      .set(bearer(ownerToken))
      .send({ email: viewer.email, role: 'viewer' })
      .expect(201);

    await signIn(viewer);
    // Their own organization first, where they own everything; then the switcher.
    await page.getByRole('button', { name: 'Create API key' }).waitFor();
    await page.getByLabel('Organization').selectOption(owner.organizationId);
    // Their own organization has no keys either: the empty list alone does not show the switch
    // happened. The button going (within the wait's timeout) does; a viewer must never have it.
    await page.getByRole('button', { name: 'Create API key' }).waitFor({ state: 'detached' });
    await page.getByText('No API keys here yet').waitFor();
    await expect(page.getByRole('button', { name: 'Create API key' }).count()).resolves.toBe(0);
    await consoleScreenshot(page, 'viewer');
    await expectAccessible();
    for (const [link, button] of [
      ['Service accounts', 'Create service account'],
      ['OAuth apps', 'Register client'],
      ['Organization', 'Add member'],
    ]) {
      await page.getByRole('link', { name: link }).click();
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.locator('.loading').waitFor({ state: 'detached' });
      await expect(page.getByRole('button', { name: button }).count()).resolves.toBe(0);
    }
    // SSO and the audit log are for owners and admins: a viewer is not offered them at all.
    await expect(page.getByRole('link', { name: 'Audit log' }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Single sign-on' }).count()).resolves.toBe(0);

    const viewerToken = (await login(t, viewer.email, viewer.password)).access_token;
    const asViewer = { ...bearer(viewerToken), 'X-Organization-ID': owner.organizationId };
    await request(t.http)
      .post('/v1/api-keys')
      .set(asViewer)
      .send({ name: 'sneaky', scopes: ['translate:read'] })
      .expect(403);
    await request(t.http)
      .post('/v1/service-accounts')
      .set(asViewer)
      .send({ name: 'sneaky', scopes: ['translate:read'] })
      .expect(403);
  });

  it('refuses a sign-in answer whose ID token does not carry the nonce it sent', async () => {
    const eve = await register('eve', 'Eve Nonce');
    await page.goto(`${t.url}/console/keys`);
    await page.waitForURL(/\/oauth\/login/);
    // The pending sign-in's nonce, changed as if the answer were for another sign-in.
    await page.evaluate(`(() => {
      const key = 'tessera.console.sign-in';
      const pending = JSON.parse(sessionStorage.getItem(key));
      sessionStorage.setItem(key, JSON.stringify({ ...pending, nonce: 'another-sign-in' }));
    })()`);
    await page.getByLabel('Email', { exact: true }).fill(eve.email);
    await page.getByLabel('Password').fill(eve.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('The sign-in answer was not for this sign-in').waitFor();
    await expect(page.getByRole('heading', { name: 'API keys' }).count()).resolves.toBe(0);
  });

  it('shows the organization, OAuth apps and account pages, and signs out', async () => {
    const rosalind = await register('rosalind', 'Rosalind Franklin');
    await signIn(rosalind, '/console/organization');
    await page.getByRole('row', { name: /rosalind/ }).waitFor();
    await expect(page.locator('.facts').textContent()).resolves.toContain('free');
    await consoleScreenshot(page, 'organization');
    await expectAccessible();

    await page.getByRole('link', { name: 'OAuth apps' }).click();
    await page.getByRole('button', { name: 'Register client' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register an OAuth client' });
    await dialog.getByLabel('Name').fill('Lab notebook');
    await dialog.getByLabel('Redirect URIs').fill('https://notebook.example/callback');
    await dialog.getByRole('button', { name: 'Register client' }).click();
    const registered = page.getByRole('dialog', { name: 'Client registered' });
    await expect(registered.getByLabel('Client secret').inputValue()).resolves.toMatch(/.{20,}/);
    await registered.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('row', { name: /Lab notebook/ }).waitFor();
    // The console is no app the user consented to: it is not listed.
    await page.getByText('No app acts for you').waitFor();
    await consoleScreenshot(page, 'oauth-apps');
    await expectAccessible();

    await page.getByRole('link', { name: 'Account & MFA' }).click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    await expect(page.getByLabel('Setup key').inputValue()).resolves.toMatch(/^[A-Z2-7]{16,}$/);
    await consoleScreenshot(page, 'account-mfa');
    await expectAccessible();

    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${t.url}/console/signed-out`);
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await expectAccessible();
    // The browser session ended too: the console asks for the password again.
    await page.goto(`${t.url}/console/keys`);
    await page.waitForURL(/\/oauth\/login/);
  });

  it('turns on two-step sign-in with the code of an app that scanned the QR code', async () => {
    const barbara = await register('barbara', 'Barbara McClintock');
    await signIn(barbara, '/console/account');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    const secret = await page.getByLabel('Setup key').inputValue();
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await page.getByLabel('Code from the app').fill(totp.generate());
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await page.getByText('Two-step sign-in is on').waitFor();
    await expectAccessible();
    // From now on a password alone does not sign in.
    const refused = await request(t.http)
      .post('/v1/auth/login')
      .send({ email: barbara.email, password: barbara.password })
      .expect(401);
    expect(refused.body.code).toBe('mfa_required');
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      page = await phone.newPage();
      violations = cspViolationsOf(page);
      const dorothy = await register('dorothy', 'Dorothy Hodgkin');
      await signIn(dorothy);
      await page.getByText('No API keys here yet').waitFor();
      await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBe(375);
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Service accounts' }).waitFor();
      await consoleScreenshot(page, 'mobile');
      await expectAccessible();
    } finally {
      await phone.close();
    }
  });
});

import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import request from 'supertest';
import { BrowserSessionTestModule } from '../utils/browser-session-test.module';
import { createTestApp, TestApp } from '../utils/create-app';
import { login } from '../utils/factories';
import { enrollTotp } from '../utils/totp';
import { testDatabaseUrl } from '../utils/test-env';
import { cspViolationsOf, describeWithChromium, launchChromium, screenshot } from './chromium';

/** Where the page sends the browser once signed in: a test route answering who it is. */
const LANDING = '/oauth/test/browser-session';

interface Person {
  userId: string;
  email: string;
  password: string;
  accessToken: string;
}

/**
 * The hosted login page in a real browser against a real listening app: what the e2e suite
 * checks by hand (forms, cookies, redirects) done by Chromium as a person would, with the CSP
 * enforced (a blocked stylesheet or inline style would show as a console error).
 */
describeWithChromium('the hosted login page in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    t = await createTestApp({}, { extraModules: [BrowserSessionTestModule] });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  });
  afterEach(() => context.close());

  /** A registered user; a readable email on the suite's own SQLite file, for the screenshots. */
  async function register(name: string): Promise<Person> {
    const email = testDatabaseUrl()
      ? `${name}-${Date.now().toString(36)}@example.com`
      : `${name}@example.com`;
    const password = 'correct horse battery staple';
    const registered = await request(t.http)
      .post('/v1/auth/register')
      .send({ email, password, full_name: 'Ada Lovelace' })
      .expect(201);
    const tokens = await login(t, email, password);
    return { userId: registered.body.user_id, email, password, accessToken: tokens.access_token };
  }

  const loginUrl = () => `${base}/oauth/login?return_to=${encodeURIComponent(LANDING)}`;

  it('signs in with email and password, sets the cookie and lands on return_to', async () => {
    const ada = await register('ada');
    const page = await context.newPage();
    const violations = cspViolationsOf(page);
    await page.goto(loginUrl());
    await expect(page.title()).resolves.toBe('Sign in · Tessera');
    // Autofocus on the first field, and the stylesheet applied (the CSP let it load).
    await expect(page.locator(':focus').getAttribute('id')).resolves.toBe('email');
    await expect(
      page.evaluate('getComputedStyle(document.querySelector(".card")).borderTopLeftRadius'),
    ).resolves.toBe('14px');
    await screenshot(page, 'login');

    await page.getByLabel('Email', { exact: true }).fill(ada.email);
    await page.getByLabel('Password').fill(ada.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${base}${LANDING}`);
    const landed = JSON.parse((await page.locator('body').textContent()) ?? '') as {
      session: { userId: string; amr: string[] };
    };
    expect(landed.session).toMatchObject({ userId: ada.userId, amr: ['pwd'] });

    const cookie = (await context.cookies()).find((c) => c.name === 'tessera_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false });
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(violations).toEqual([]);
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const page = await phone.newPage();
      const violations = cspViolationsOf(page);
      await page.goto(loginUrl());
      await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBe(390);
      const button = await page.getByRole('button', { name: 'Sign in', exact: true }).boundingBox();
      expect(button?.width).toBeGreaterThan(300);
      await screenshot(page, 'login-mobile');
      expect(violations).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('says what was wrong, keeps the email and moves focus to the password', async () => {
    const ada = await register('grace');
    const page = await context.newPage();
    const violations = cspViolationsOf(page);
    await page.goto(loginUrl());
    await page.getByLabel('Email', { exact: true }).fill(ada.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'Incorrect email or password.',
    );
    await expect(page.getByLabel('Email', { exact: true }).inputValue()).resolves.toBe(ada.email);
    await expect(page.getByLabel('Password').inputValue()).resolves.toBe('');
    await expect(page.locator(':focus').getAttribute('id')).resolves.toBe('password');
    await screenshot(page, 'login-error');
    expect(violations).toEqual([]);
  });

  it('asks a user with TOTP for the code, then lands signed in with pwd and otp', async () => {
    const ada = await register('katherine');
    const totp = await enrollTotp(t, ada);
    const page = await context.newPage();
    const violations = cspViolationsOf(page);
    await page.goto(loginUrl());
    await page.getByLabel('Email', { exact: true }).fill(ada.email);
    await page.getByLabel('Password').fill(ada.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await expect(page.title()).resolves.toBe('Two-step verification · Tessera');
    await expect(page.locator(':focus').getAttribute('id')).resolves.toBe('code');
    expect((await context.cookies()).map((c) => c.name)).not.toContain('tessera_session');
    await screenshot(page, 'login-totp');

    // The step that confirmed enrolment is used up: the next one.
    await page
      .getByLabel('Verification code')
      .fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${base}${LANDING}`);
    const landed = JSON.parse((await page.locator('body').textContent()) ?? '') as {
      session: { userId: string; amr: string[] };
    };
    expect(landed.session).toMatchObject({ userId: ada.userId, amr: ['pwd', 'otp'] });
    const names = (await context.cookies()).map((c) => c.name);
    expect(names).toContain('tessera_session');
    expect(names).not.toContain('tessera_login');
    expect(violations).toEqual([]);
  });
});

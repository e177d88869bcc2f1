import { createHash } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { BrowserSession } from '../../src/modules/oauth/browser-sessions/browser-session.entity';
import { BrowserSessionTestModule } from '../utils/browser-session-test.module';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, uniqueEmail } from '../utils/factories';
import { hiddenField, PageClient, SetCookie, setCookiesOf } from '../utils/pages';
import { enrollTotp, wrongTotpCodes } from '../utils/totp';

const LOGIN = '/oauth/login';
const RETURN_TO = '/oauth/authorize?client_id=app&state=xyz';
const loginPage = (returnTo = RETURN_TO) => `${LOGIN}?return_to=${encodeURIComponent(returnTo)}`;

/** What the hosted pages' CSP must say (and never: script, inline style, another origin). */
const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function cookieNamed(cookies: SetCookie[], name: string): SetCookie | undefined {
  return cookies.find((cookie) => cookie.name === name);
}

/** Who the browser is signed in as, as /oauth/authorize will ask (BrowserSessions.current). */
async function currentSession(t: TestApp, page: PageClient) {
  const response = await request(t.http)
    .get('/oauth/test/browser-session')
    .set('Cookie', page.cookieHeader())
    .expect(200);
  return response.body.session as { userId: string; sessionId: string; amr: string[] } | null;
}

describe('the hosted login page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { extraModules: [BrowserSessionTestModule] });
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  describe('GET /oauth/login', () => {
    it('renders the form as HTML under a strict CSP, never framed or cached', async () => {
      const page = new PageClient(t);
      const response = await page.get(loginPage(), 200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      const csp = response.headers['content-security-policy'];
      for (const directive of PAGE_CSP) expect(csp).toContain(directive);
      expect(csp).not.toMatch(/script-src|unsafe-inline|\*/);
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-content-type-options']).toBe('nosniff');

      const html = response.text;
      expect(html).toContain('<title>Sign in · Tessera</title>');
      expect(html).toContain('<label for="email">Email</label>');
      expect(html).toContain('<label for="password">Password</label>');
      expect(html).toMatch(/<input id="email"[^>]* autocomplete="username"[^>]* autofocus>/);
      expect(html).toMatch(/<input id="password"[^>]* autocomplete="current-password"/);
      expect(html).toContain('<form class="form" method="post" action="/oauth/login">');
      expect(hiddenField(html, 'return_to')).toBe(RETURN_TO);
      expect(hiddenField(html, '_csrf')).toMatch(/^[\w-]{20,}$/);
      // No script and no inline style: the CSP would block them.
      expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
    });

    it('serves its stylesheet and icon from this origin, cached for a year under hashed names', async () => {
      const html = (await request(t.http).get(LOGIN).expect(200)).text;
      const href =
        /<link rel="stylesheet" href="(\/oauth\/assets\/tessera\.[0-9a-f]{12}\.css)">/.exec(
          html,
        )?.[1];
      expect(href).toBeDefined();
      const sheet = await request(t.http).get(href!).expect(200);
      expect(sheet.headers['content-type']).toBe('text/css; charset=utf-8');
      expect(sheet.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(sheet.text).toContain(':focus');
      await request(t.http).get('/oauth/assets/tessera.000000000000.css').expect(404);
      const icon = /<link rel="icon" href="(\/oauth\/assets\/favicon\.[0-9a-f]{12}\.svg)"/.exec(
        html,
      )?.[1];
      const served = await request(t.http).get(icon!).expect(200);
      expect(served.headers['content-type']).toBe('image/svg+xml');
    });

    it('sets the CSRF secret in a signed, HttpOnly, SameSite cookie', async () => {
      const response = await request(t.http).get(LOGIN).expect(200);
      const csrf = cookieNamed(setCookiesOf(response), 'tessera_csrf');
      expect(csrf?.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/' });
      expect(csrf?.value).toMatch(/^[\w-]+\.[\w+/]+$/); // value.signature
    });
  });

  describe('CSRF', () => {
    it('refuses a post without the token, with a wrong one, or without the cookie: a 403 page', async () => {
      const user = await createUser(t, 'csrf');
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      const credentials = { email: user.email, password: user.password };
      const refusals = [
        await page.post(LOGIN, { ...credentials, _csrf: '' }),
        await page.post(LOGIN, { ...credentials, _csrf: 'forged-token-0123456789' }),
        await request(t.http)
          .post(LOGIN)
          .type('form')
          .send(new URLSearchParams({ ...credentials, _csrf: page.csrfToken! }).toString()),
      ];
      for (const refused of refusals) {
        expect(refused.status).toBe(403);
        expect(refused.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(refused.headers['x-frame-options']).toBe('DENY');
        expect(refused.text).toContain('<h1>This form has expired</h1>');
        expect(cookieNamed(setCookiesOf(refused), 'tessera_session')).toBeUndefined();
      }
      // The same form with its token signs in.
      await page.post(LOGIN, credentials, 200);
    });

    it('takes a token only from a page of this browser: another browser’s token is refused', async () => {
      const user = await createUser(t, 'csrf-other');
      const attacker = new PageClient(t);
      await attacker.get(LOGIN, 200);
      const victim = new PageClient(t);
      await victim.get(LOGIN, 200);
      await victim.post(
        LOGIN,
        { email: user.email, password: user.password, _csrf: attacker.csrfToken! },
        403,
      );
    });
  });

  describe('password step', () => {
    it('answers a wrong password and an unknown email with one generic error, keeping the email only', async () => {
      const user = await createUser(t, 'wrong');
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      const wrongPassword = 'not-the-password-42';
      const answers = [
        await page.post(LOGIN, { email: user.email, password: wrongPassword }),
        await page.post(LOGIN, { email: uniqueEmail('nobody'), password: wrongPassword }),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(401);
        expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(answer.text).toContain(
          '<p class="alert" id="form-error" role="alert">Incorrect email or password.</p>',
        );
        expect(answer.text).toMatch(/<input id="password"[^>]* aria-describedby="form-error">/);
        expect(answer.text).not.toContain(wrongPassword);
        expect(cookieNamed(setCookiesOf(answer), 'tessera_session')).toBeUndefined();
      }
      expect(answers[0].text).toContain(`value="${user.email}"`);
      // The same words whether the email exists or not.
      const alertOf = (html: string) => /<p class="alert"[^>]*>([^<]*)</.exec(html)?.[1];
      expect(alertOf(answers[0].text)).toBe(alertOf(answers[1].text));
    });

    it('asks for both fields when one is empty', async () => {
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      const answer = await page.post(LOGIN, { email: 'someone@example.test', password: '' });
      expect(answer.status).toBe(400);
      expect(answer.text).toContain('Enter your email and password.');
    });

    it('signs in: an HttpOnly SameSite=Lax cookie holding 256 random bits, stored as its SHA-256, then 303 to return_to', async () => {
      const user = await createUser(t, 'signin');
      const page = new PageClient(t);
      await page.get(loginPage(), 200);
      const answer = await page.post(LOGIN, {
        email: user.email,
        password: user.password,
        return_to: RETURN_TO,
      });
      expect(answer.status).toBe(303);
      expect(answer.headers.location).toBe(RETURN_TO);

      const cookie = cookieNamed(setCookiesOf(answer), 'tessera_session')!;
      expect(cookie.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/' });
      expect(cookie.attributes.secure).toBeUndefined();
      expect(cookie.attributes.domain).toBeUndefined();
      expect(Number(cookie.attributes['max-age'])).toBe(24 * 3600);
      expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url

      const rows = await t.app
        .get(DataSource)
        .getRepository(BrowserSession)
        .findBy({ userId: user.userId });
      expect(rows).toHaveLength(1);
      expect(rows[0].tokenHash).toBe(sha256(cookie.value));
      expect(rows[0].amr).toBe('pwd');

      const session = await currentSession(t, page);
      expect(session).toMatchObject({
        userId: user.userId,
        sessionId: rows[0].sessionId,
        amr: ['pwd'],
      });
      // A cookie of another value is nobody.
      await request(t.http)
        .get('/oauth/test/browser-session')
        .set('Cookie', `tessera_session=${'A'.repeat(43)}`)
        .expect(200, { session: null });
    });

    it('shows "You are signed in" without a return_to', async () => {
      const user = await createUser(t, 'no-return');
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      const answer = await page.post(LOGIN, { email: user.email, password: user.password });
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('<h1>You are signed in</h1>');
      expect(answer.text).toContain(`Signed in as <strong>${user.email}</strong>`);
      expect(cookieNamed(setCookiesOf(answer), 'tessera_session')).toBeDefined();
    });
  });

  describe('open redirects', () => {
    const foreign = [
      'https://evil.example/oauth/authorize',
      '//evil.example/oauth/authorize',
      '/\\evil.example/oauth/authorize',
      '/oauth/../v1/auth/verify',
      '/v1/auth/verify',
    ];

    it.each(foreign)('never sends the browser to return_to=%j', async (returnTo) => {
      const user = await createUser(t, 'redirect');
      const page = new PageClient(t);
      const shown = await page.get(loginPage(returnTo), 200);
      expect(hiddenField(shown.text, 'return_to')).toBeNull();
      const answer = await page.post(LOGIN, {
        email: user.email,
        password: user.password,
        return_to: returnTo,
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.location).toBeUndefined();
      expect(answer.text).toContain('<h1>You are signed in</h1>');
    });
  });

  describe('TOTP step', () => {
    it('asks for the code after the right password, and signs in with pwd and otp', async () => {
      const user = await createUser(t, 'totp');
      const totp = await enrollTotp(t, user);
      const page = new PageClient(t);
      await page.get(loginPage(), 200);

      const codeStep = await page.post(LOGIN, {
        email: user.email,
        password: user.password,
        return_to: RETURN_TO,
      });
      expect(codeStep.status).toBe(200);
      expect(codeStep.text).toContain('<h1>Two-step verification</h1>');
      expect(codeStep.text).toContain('<label for="code">Verification code</label>');
      expect(codeStep.text).toMatch(
        /<input id="code"[^>]* inputmode="numeric"[^>]* autocomplete="one-time-code" required autofocus/,
      );
      expect(codeStep.text).toContain(
        '<form class="form" method="post" action="/oauth/login/totp">',
      );
      expect(hiddenField(codeStep.text, 'return_to')).toBe(RETURN_TO);
      expect(codeStep.text).not.toContain(user.password);
      const set = setCookiesOf(codeStep);
      expect(cookieNamed(set, 'tessera_session')).toBeUndefined();
      expect(cookieNamed(set, 'tessera_login')?.attributes).toMatchObject({
        httponly: true,
        samesite: 'Lax',
        'max-age': '300',
      });
      await expect(currentSession(t, page)).resolves.toBeNull();

      const wrong = await page.post('/oauth/login/totp', {
        code: wrongTotpCodes(totp, 1)[0],
        return_to: RETURN_TO,
      });
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('That code is not valid.');
      expect(wrong.text).toMatch(/aria-describedby="form-error code-hint" aria-invalid="true"/);

      const malformed = await page.post('/oauth/login/totp', {
        code: '12ab',
        return_to: RETURN_TO,
      });
      expect(malformed.status).toBe(400);
      expect(malformed.text).toContain('Enter the 6-digit code');

      // The step that confirmed enrolment was used: the next one, as the auth suite does.
      const signedIn = await page.post('/oauth/login/totp', {
        code: totp.generate({ timestamp: Date.now() + 30_000 }),
        return_to: RETURN_TO,
      });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.location).toBe(RETURN_TO);
      expect(cookieNamed(setCookiesOf(signedIn), 'tessera_login')?.attributes['max-age']).toBe('0');
      const session = await currentSession(t, page);
      expect(session).toMatchObject({ userId: user.userId, amr: ['pwd', 'otp'] });
    });

    it('lets the password step serve one sign-in: replaying its cookie asks for the password again', async () => {
      const user = await createUser(t, 'totp-replay');
      const totp = await enrollTotp(t, user);
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      await page.post(LOGIN, { email: user.email, password: user.password }, 200);
      const pending = page.cookies.get('tessera_login')!;
      await page.post(
        '/oauth/login/totp',
        { code: totp.generate({ timestamp: Date.now() + 30_000 }) },
        200,
      );

      const replay = new PageClient(t);
      await replay.get(LOGIN, 200);
      replay.cookies.set('tessera_login', pending);
      const answer = await replay.post('/oauth/login/totp', {
        code: totp.generate({ timestamp: Date.now() + 60_000 }),
      });
      expect(answer.status).toBe(401);
      expect(answer.text).toContain(
        'Your sign-in has expired. Enter your email and password again.',
      );
      expect(cookieNamed(setCookiesOf(answer), 'tessera_session')).toBeUndefined();
    });

    it('refuses a forged pending cookie', async () => {
      const user = await createUser(t, 'totp-forged');
      await enrollTotp(t, user);
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      page.cookies.set('tessera_login', `${user.userId}.${Date.now() + 60_000}.x.forged`);
      const answer = await page.post('/oauth/login/totp', { code: '123456' });
      expect(answer.status).toBe(401);
      expect(answer.text).toContain('Your sign-in has expired.');
    });
  });

  describe('throttling', () => {
    it('locks the email after LOGIN_MAX_FAILURES_PER_EMAIL failures, the right password included, saying how long', async () => {
      const user = await createUser(t, 'throttled');
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      for (let i = 0; i < 5; i++) {
        await page.post(LOGIN, { email: user.email, password: `wrong-${i}` }, 401);
      }
      const locked = await page.post(LOGIN, { email: user.email, password: user.password });
      expect(locked.status).toBe(429);
      expect(locked.headers['retry-after']).toMatch(/^\d+$/);
      expect(locked.headers['content-type']).toBe('text/html; charset=utf-8');
      // The lock lasts until the failure window ends (LOGIN_FAILURE_WINDOW_SECONDS, 15 minutes).
      expect(locked.text).toMatch(
        /Too many failed sign-in attempts\. Try again in \d+ (minute|second)s?\./,
      );
      expect(locked.text).toContain(`value="${user.email}"`);
      expect(cookieNamed(setCookiesOf(locked), 'tessera_session')).toBeUndefined();
      // The page and the API count into the same lock.
      await request(t.http)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(429);
    });

    it('counts wrong codes into the same lock', async () => {
      const user = await createUser(t, 'throttled-totp');
      const totp = await enrollTotp(t, user);
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      await page.post(LOGIN, { email: user.email, password: user.password }, 200);
      const codes = wrongTotpCodes(totp, 6);
      for (const code of codes.slice(0, 5)) await page.post('/oauth/login/totp', { code });
      const locked = await page.post('/oauth/login/totp', { code: codes[5] });
      expect(locked.status).toBe(429);
      expect(locked.text).toContain('Too many failed sign-in attempts.');
    });
  });

  describe('the browser session', () => {
    it('is one of the user’s sessions, and logout-all ends it', async () => {
      const user = await createUser(t, 'logout-all');
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      await page.post(LOGIN, { email: user.email, password: user.password }, 200);
      const session = await currentSession(t, page);
      expect(session?.userId).toBe(user.userId);

      const listed = await request(t.http)
        .get('/v1/auth/sessions')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(listed.body.data.map((s: { id: string }) => s.id)).toContain(session!.sessionId);

      await request(t.http).post('/v1/auth/logout-all').set(bearer(user.accessToken)).expect(204);
      await expect(currentSession(t, page)).resolves.toBeNull();
    });

    it('ends when the browser signs in again, as another account or the same one', async () => {
      const alice = await createUser(t, 'replaced-alice');
      const bob = await createUser(t, 'replaced-bob');
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      await page.post(LOGIN, { email: alice.email, password: alice.password }, 200);
      const aliceSession = await currentSession(t, page);
      const aliceCookie = page.cookieHeader();

      // "Not you?": Bob signs in on the same browser. A copy of Alice's cookie signs nobody in.
      await page.get(LOGIN, 200);
      await page.post(LOGIN, { email: bob.email, password: bob.password }, 200);
      await expect(currentSession(t, page)).resolves.toMatchObject({ userId: bob.userId });
      await request(t.http)
        .get('/oauth/test/browser-session')
        .set('Cookie', aliceCookie)
        .expect(200, { session: null });
      const aliceSessions = await request(t.http)
        .get('/v1/auth/sessions')
        .set(bearer(alice.accessToken))
        .expect(200);
      expect(aliceSessions.body.data.map((s: { id: string }) => s.id)).not.toContain(
        aliceSession!.sessionId,
      );

      const bobCookie = page.cookieHeader();
      await page.get(LOGIN, 200);
      await page.post(LOGIN, { email: bob.email, password: bob.password }, 200);
      await expect(currentSession(t, page)).resolves.toMatchObject({ userId: bob.userId });
      await request(t.http)
        .get('/oauth/test/browser-session')
        .set('Cookie', bobCookie)
        .expect(200, { session: null });
    });

    it('ends with DELETE /v1/auth/sessions/:id of its login session', async () => {
      const user = await createUser(t, 'delete-session');
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      await page.post(LOGIN, { email: user.email, password: user.password }, 200);
      const session = await currentSession(t, page);
      await request(t.http)
        .delete(`/v1/auth/sessions/${session!.sessionId}`)
        .set(bearer(user.accessToken))
        .expect(204);
      await expect(currentSession(t, page)).resolves.toBeNull();
    });

    it('ends with end(): the cookie is cleared, the login session revoked, the row gone', async () => {
      const user = await createUser(t, 'end');
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      await page.post(LOGIN, { email: user.email, password: user.password }, 200);
      const session = await currentSession(t, page);
      const cookie = page.cookieHeader();

      const ended = await request(t.http)
        .post('/oauth/test/browser-session/end')
        .set('Cookie', cookie)
        .expect(204);
      expect(cookieNamed(setCookiesOf(ended), 'tessera_session')?.attributes['max-age']).toBe('0');
      // The old cookie, sent again, is nobody.
      await request(t.http)
        .get('/oauth/test/browser-session')
        .set('Cookie', cookie)
        .expect(200, { session: null });
      const rows = await t.app
        .get(DataSource)
        .getRepository(BrowserSession)
        .findBy({ userId: user.userId });
      expect(rows).toEqual([]);
      const listed = await request(t.http)
        .get('/v1/auth/sessions')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(listed.body.data.map((s: { id: string }) => s.id)).not.toContain(session!.sessionId);
    });
  });

  describe('errors', () => {
    it('answers a form no page sends with the HTML error page, not JSON', async () => {
      const page = new PageClient(t);
      await page.get(LOGIN, 200);
      const answer = await request(t.http)
        .post(LOGIN)
        .set('Cookie', page.cookieHeader())
        .type('form')
        .send(`_csrf=${encodeURIComponent(page.csrfToken!)}&email=a%40b.c&email=d%40e.f`);
      expect(answer.status).toBe(422);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.text).toContain('<h1>This request could not be read</h1>');
      expect(answer.text).toContain('href="/oauth/login">Try again</a>');
    });

    it('keeps RFC 6749 JSON errors on /oauth/* routes that are not pages', async () => {
      const answer = await request(t.http).get('/oauth/assets/missing.css').expect(404);
      expect(answer.body).toMatchObject({ error: 'invalid_request' });
    });
  });
});

describe('the hosted login page over https', () => {
  it('names the cookie __Host- and makes it Secure behind a trusted proxy saying https', async () => {
    await withTestApp(
      { TRUST_PROXY: 'true' },
      async (t) => {
        const user = await createUser(t, 'https');
        const page = new PageClient(t, { 'X-Forwarded-Proto': 'https' });
        await page.get(LOGIN, 200);
        const answer = await page.post(LOGIN, { email: user.email, password: user.password });
        expect(answer.status).toBe(200);
        const cookie = cookieNamed(setCookiesOf(answer), '__Host-tessera_session')!;
        expect(cookie.attributes).toMatchObject({
          secure: true,
          httponly: true,
          samesite: 'Lax',
          path: '/',
        });
        expect(cookie.attributes.domain).toBeUndefined();
        expect(cookieNamed(setCookiesOf(answer), 'tessera_session')).toBeUndefined();

        const sessionFor = async (headers: Record<string, string>) =>
          (await request(t.http).get('/oauth/test/browser-session').set(headers).expect(200)).body
            .session as { userId: string } | null;
        const token = cookie.value;
        // Over https only the __Host- name counts; over http only the plain one.
        const https = { 'X-Forwarded-Proto': 'https' };
        const hostCookie = `__Host-tessera_session=${token}`;
        expect(await sessionFor({ ...https, Cookie: hostCookie })).toMatchObject({
          userId: user.userId,
        });
        expect(await sessionFor({ ...https, Cookie: `tessera_session=${token}` })).toBeNull();
        expect(await sessionFor({ Cookie: hostCookie })).toBeNull();
      },
      { extraModules: [BrowserSessionTestModule] },
    );
  });

  it('does not believe X-Forwarded-Proto from a proxy it does not trust', async () => {
    await withTestApp({ TRUST_PROXY: 'false' }, async (t) => {
      const user = await createUser(t, 'untrusted-proto');
      const page = new PageClient(t, { 'X-Forwarded-Proto': 'https' });
      await page.get(LOGIN, 200);
      const answer = await page.post(LOGIN, { email: user.email, password: user.password });
      const cookie = cookieNamed(setCookiesOf(answer), 'tessera_session');
      expect(cookie?.attributes.secure).toBeUndefined();
    });
  });

  it('makes every page cookie __Host- and Secure when TESSERA_ISSUER is https', async () => {
    await withTestApp({ TESSERA_ISSUER: 'https://auth.example.test' }, async (t) => {
      const user = await createUser(t, 'https-issuer');
      await enrollTotp(t, user);
      const page = new PageClient(t);
      const shown = await page.get(LOGIN, 200);
      const csrf = cookieNamed(setCookiesOf(shown), '__Host-tessera_csrf');
      expect(csrf?.attributes).toMatchObject({ secure: true, httponly: true, path: '/' });
      const codeStep = await page.post(LOGIN, { email: user.email, password: user.password });
      expect(codeStep.status).toBe(200);
      const pending = cookieNamed(setCookiesOf(codeStep), '__Host-tessera_login');
      expect(pending?.attributes).toMatchObject({ secure: true, httponly: true, path: '/' });
    });
  });
});

describe('the "Sign in with SSO" form', () => {
  it('asks for the work email and posts it, with return_to and a CSRF token, to /sso/login', async () => {
    await withTestApp({}, async (t) => {
      const html = (await request(t.http).get(loginPage()).expect(200)).text;
      const form = html.slice(
        html.indexOf('<form class="form" method="post" action="/sso/login">'),
      );
      expect(form).toContain('<form class="form" method="post" action="/sso/login">');
      expect(form).toMatch(/<input id="sso-email" name="email" type="email"[^>]* required>/);
      expect(hiddenField(form, 'return_to')).toBe(RETURN_TO);
      expect(hiddenField(form, '_csrf')).toMatch(/^[\w-]{20,}$/);
      expect(form).toContain('Sign in with SSO</button>');
    });
  });
});

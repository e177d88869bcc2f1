import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import {
  CONSOLE_CLIENT_ID_PLACEHOLDER,
  consoleClientId,
  SYSTEM_ORGANIZATION_ID,
} from '../../src/modules/console/console-client';
import { ConsoleClientRepository } from '../../src/modules/console/console-client.repository';
import { CONSOLE_CSP } from '../../src/modules/console/console-headers';
import { answerOf, authorizePath, signedInBrowser } from '../utils/authorize';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { grantedCode, pkcePair } from '../utils/oauth';

const ISSUER = 'http://tessera.test';
const CLIENT_ID = consoleClientId(ISSUER);
const CALLBACK = `${ISSUER}/console/callback`;
const SCRIPT = 'console.log("the console");\n'.repeat(50);

/** A console as `npm run build` leaves it: index.html naming the client, a hashed script. */
function builtConsole(): string {
  const directory = mkdtempSync(join(tmpdir(), 'tessera-console-'));
  mkdirSync(join(directory, 'assets'));
  writeFileSync(
    join(directory, 'index.html'),
    `<!doctype html><meta name="tessera-console-client" content="${CONSOLE_CLIENT_ID_PLACEHOLDER}">` +
      '<script type="module" src="/console/assets/index-AbC123.js"></script>',
  );
  writeFileSync(join(directory, 'assets', 'index-AbC123.js'), SCRIPT);
  return directory;
}

/** The console's sign-in over HTTP: the hosted login page, /oauth/authorize, the code. */
async function consoleSignIn(t: TestApp, user: TestUser) {
  const browser = await signedInBrowser(t, user);
  const { verifier, challenge } = pkcePair();
  const authorized = await browser.get(
    authorizePath({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: CALLBACK,
      scope: 'openid email profile',
      state: 'the-state',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }),
  );
  // First-party: no consent page, straight back with the code.
  expect(authorized.status).toBe(302);
  expect(authorized.headers.location).toMatch(new RegExp(`^${CALLBACK}\\?`));
  const { code, state } = answerOf(authorized);
  expect(state).toBe('the-state');
  const tokens = await request(t.http)
    .post('/oauth/token')
    .type('form')
    .send({
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
      client_id: CLIENT_ID,
      code_verifier: verifier,
    })
    .expect(200);
  return tokens.body as {
    access_token: string;
    refresh_token: string;
    id_token: string;
    scope: string;
  };
}

describe('the web console (server side)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ TESSERA_CONSOLE_DIR: builtConsole() });
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  describe('its files', () => {
    it('answers every path under /console with the page, its CSP and no-cache', async () => {
      for (const path of ['/console', '/console/', '/console/keys/key_0123', '/console/callback']) {
        const page = await request(t.http).get(path).expect(200);
        expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
        expect(page.headers['cache-control']).toBe('no-cache');
        expect(page.headers['x-frame-options']).toBe('DENY');
        // The page names this issuer's client, filled in as it is served.
        expect(page.text).toContain(`content="${CLIENT_ID}"`);
        expect(page.text).not.toContain(CONSOLE_CLIENT_ID_PLACEHOLDER);
      }
    });

    it('allows scripts, styles and requests from Tessera only, and no inline script', () => {
      expect(CONSOLE_CSP).toContain("script-src 'self';");
      expect(CONSOLE_CSP).toContain("connect-src 'self';");
      expect(CONSOLE_CSP).toContain("default-src 'none'");
      expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    });

    it('serves the hashed assets for a year, gzipped when the browser takes it', async () => {
      // supertest undoes the gzip; the length on the wire tells it was compressed.
      const gzipped = await request(t.http)
        .get('/console/assets/index-AbC123.js')
        .set('Accept-Encoding', 'gzip')
        .expect(200);
      expect(gzipped.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(gzipped.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gzipped.headers.vary).toBe('accept-encoding');
      expect(Number(gzipped.headers['content-length'])).toBeLessThan(SCRIPT.length / 5);
      expect(gzipped.text).toBe(SCRIPT);

      const plain = await request(t.http)
        .get('/console/assets/index-AbC123.js')
        .set('Accept-Encoding', 'identity')
        .expect(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.text).toBe(SCRIPT);
    });

    it('answers 404 for a file it does not have, whatever the path tries', async () => {
      for (const name of [
        'nope.js',
        '..%2F..%2Fpackage.json',
        '%2E%2E%2Findex.html',
        'index.html',
        // Past the router's 100-character parameter limit, or with a slash: not the page either.
        `${'e'.repeat(101)}.js`,
        'nested/index-AbC123.js',
      ]) {
        const missing = await request(t.http).get(`/console/assets/${name}`).expect(404);
        expect(missing.body).toEqual({ detail: expect.any(String) as string });
      }
    });

    it('says the console is not built, as a page, when it was not', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'tessera-no-console-'));
      await withTestApp({ TESSERA_CONSOLE_DIR: empty }, async (bare) => {
        for (const path of ['/console', '/console/keys']) {
          const page = await request(bare.http).get(path).expect(404);
          expect(page.headers['content-type']).toMatch(/^text\/html/);
          expect(page.text).toContain('The console is not built');
        }
        for (const name of ['index-AbC123.js', 'e'.repeat(101)]) {
          const missing = await request(bare.http).get(`/console/assets/${name}`).expect(404);
          expect(missing.body).toEqual({ detail: expect.any(String) as string });
        }
      });
    });
  });

  describe('its OAuth client', () => {
    it('is registered once, public and first-party, with the exact callback', async () => {
      const repository = t.app.get(ConsoleClientRepository);
      const client = await repository.findClient(CLIENT_ID);
      expect(client).toMatchObject({
        organizationId: SYSTEM_ORGANIZATION_ID,
        clientType: 'public',
        firstParty: true,
        grantTypes: 'authorization_code',
        secretHash: null,
      });
      expect(JSON.parse(client!.redirectUris)).toEqual([CALLBACK]);
      // Another start on the same database changes nothing (and does not fail).
      await withTestApp({}, async () => undefined);
      await expect(repository.findClient(CLIENT_ID)).resolves.toMatchObject({
        redirectUris: client!.redirectUris,
      });
    });

    it('is no organization’s client: not listed, not deletable through the API', async () => {
      const owner = await createUser(t, 'console-owner');
      const listed = await request(t.http)
        .get('/v1/oauth/clients')
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(listed.body.data.map((c: { client_id: string }) => c.client_id)).not.toContain(
        CLIENT_ID,
      );
      await request(t.http)
        .delete(`/v1/oauth/clients/${CLIENT_ID}`)
        .set(bearer(owner.accessToken))
        .expect(404);
    });

    it('never sends a code to another origin, even one a row of its was registered for', async () => {
      const oldOrigin = 'http://old-tessera.test';
      const oldId = consoleClientId(oldOrigin);
      const repository = t.app.get(ConsoleClientRepository);
      const template = (await repository.findClient(CLIENT_ID))!;
      await repository.insertClient({
        ...template,
        id: oldId,
        redirectUris: JSON.stringify([`${oldOrigin}/console/callback`]),
      });
      const user = await createUser(t, 'console-moved');
      const browser = await signedInBrowser(t, user);
      const refused = await browser.get(
        authorizePath({
          response_type: 'code',
          client_id: oldId,
          redirect_uri: `${oldOrigin}/console/callback`,
          scope: 'openid',
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'S256',
        }),
        400,
      );
      expect(refused.text).toContain('This link cannot be used');
    });
  });

  describe('signing in to it', () => {
    it('gets the user’s own session: no consent, account routes, keys, every organization', async () => {
      const ada = await createUser(t, 'console-ada');
      const tokens = await consoleSignIn(t, ada);
      expect(tokens.scope).toBe('openid email profile');
      const verified = await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(tokens.access_token))
        .expect(200);
      expect(verified.body).toMatchObject({ principal_type: 'user', subject: ada.userId });
      // Not an application acting for the user: no client_id, and what only a user may do works.
      expect(verified.body.client_id).toBeUndefined();
      await request(t.http)
        .post('/v1/api-keys')
        .set(bearer(tokens.access_token))
        .send({ name: 'from the console', scopes: ['translate:read'] })
        .expect(201);
      const sessions = await request(t.http)
        .get('/v1/auth/sessions')
        .set(bearer(tokens.access_token))
        .expect(200);
      expect(sessions.body.data.filter((s: { current: boolean }) => s.current)).toHaveLength(1);

      // Another organization of the user's, by X-Organization-ID (the console's switcher).
      const other = await request(t.http)
        .post('/v1/organizations')
        .set(bearer(ada.accessToken))
        .send({ name: 'Analytical Engines' })
        .expect(201);
      const there = await request(t.http)
        .get('/v1/auth/verify')
        .set({ ...bearer(tokens.access_token), 'X-Organization-ID': other.body.id })
        .expect(200);
      expect(there.body.organization_id).toBe(other.body.id);
    });

    it('refreshes by rotation, and signing out ends the session', async () => {
      const grace = await createUser(t, 'console-grace');
      const tokens = await consoleSignIn(t, grace);
      const refreshed = await request(t.http)
        .post('/v1/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      // The spent refresh token again: reuse, the whole session ends.
      await request(t.http)
        .post('/v1/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(401);
      await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(refreshed.body.access_token))
        .expect(401);

      const again = await consoleSignIn(t, grace);
      await request(t.http).post('/v1/auth/logout').set(bearer(again.access_token)).expect(204);
      await request(t.http).get('/v1/auth/verify').set(bearer(again.access_token)).expect(401);
      await request(t.http)
        .post('/v1/auth/refresh')
        .send({ refresh_token: again.refresh_token })
        .expect(401);
    });

    it('ends the session with its grant: when its code is presented again, or the user ends the grant', async () => {
      const lena = await createUser(t, 'console-lena');
      const exchange = async () => {
        const send = await codeFor();
        const { grantId } = send;
        const tokens = (await send().expect(200)).body as {
          access_token: string;
          refresh_token: string;
        };
        return { tokens, grantId, send };
      };
      async function codeFor() {
        const { verifier, challenge } = pkcePair();
        const { code, grantId } = await grantedCode(t, {
          client: { clientId: CLIENT_ID, clientSecret: '', organizationId: lena.organizationId },
          userId: lena.userId,
          scopes: ['openid'],
          redirectUri: CALLBACK,
          codeChallenge: challenge,
        });
        const send = () =>
          request(t.http).post('/oauth/token').type('form').send({
            grant_type: 'authorization_code',
            code,
            redirect_uri: CALLBACK,
            client_id: CLIENT_ID,
            code_verifier: verifier,
          });
        return Object.assign(send, { grantId });
      }
      const ended = async (tokens: { access_token: string; refresh_token: string }) => {
        await request(t.http).get('/v1/auth/verify').set(bearer(tokens.access_token)).expect(401);
        await request(t.http)
          .post('/v1/auth/refresh')
          .send({ refresh_token: tokens.refresh_token })
          .expect(401);
      };

      // A code stolen and exchanged first (RFC 9700 section 4.2.4): the second use ends it all.
      const stolen = await exchange();
      await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(stolen.tokens.access_token))
        .expect(200);
      expect((await stolen.send().expect(400)).body.error).toBe('invalid_grant');
      await ended(stolen.tokens);

      // Both uses at once, whichever comes first: no session outlives the grant.
      for (let round = 0; round < 8; round++) {
        const send = await codeFor();
        const answers = await Promise.all([send(), send()]);
        for (const answer of answers.filter(({ status }) => status === 200)) {
          await ended(answer.body as { access_token: string; refresh_token: string });
        }
        expect(answers.map(({ status }) => status)).toContain(400);
      }

      const mine = await exchange();
      await request(t.http)
        .delete(`/v1/oauth/grants/${mine.grantId}`)
        .set(bearer(lena.accessToken))
        .expect(204);
      await ended(mine.tokens);
      // The user's other sign-ins go on.
      await request(t.http).get('/v1/auth/verify').set(bearer(lena.accessToken)).expect(200);
    });

    it('counts the hosted page’s sign-in, not the code exchange, as the time of sign-in', async () => {
      const katherine = await createUser(t, 'console-katherine');
      const { verifier, challenge } = pkcePair();
      const hourAgo = new Date(Date.now() - 3_600_000);
      const { code } = await grantedCode(t, {
        client: { clientId: CLIENT_ID, clientSecret: '', organizationId: katherine.organizationId },
        userId: katherine.userId,
        scopes: ['openid'],
        redirectUri: CALLBACK,
        codeChallenge: challenge,
        authTime: hourAgo,
      });
      const tokens = await request(t.http)
        .post('/oauth/token')
        .type('form')
        .send({
          grant_type: 'authorization_code',
          code,
          redirect_uri: CALLBACK,
          client_id: CLIENT_ID,
          code_verifier: verifier,
        })
        .expect(200);
      // An hour-old sign-in is not "less than 5 minutes old": enrolling MFA asks again.
      const enroll = await request(t.http)
        .post('/v1/auth/mfa/totp/enroll')
        .set(bearer(tokens.body.access_token))
        .send({})
        .expect(403);
      expect(enroll.body.code).toBe('reauthentication_required');

      const fresh = await consoleSignIn(t, katherine);
      await request(t.http)
        .post('/v1/auth/mfa/totp/enroll')
        .set(bearer(fresh.access_token))
        .send({})
        .expect(201);
    });
  });
});

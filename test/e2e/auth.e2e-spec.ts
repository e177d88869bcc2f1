import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import { DataSource, IsNull } from 'typeorm';
import { BackgroundJobs } from '../../src/common/jobs/background-jobs';
import { SessionsService } from '../../src/modules/auth/sessions/sessions.service';
import { User } from '../../src/modules/users/user.entity';
import { SigningKey } from '../../src/modules/tokens/signing-key.entity';
import { SigningKeysService } from '../../src/modules/tokens/signing-keys.service';
import { queriesDuring } from '../utils/queries';
import { withInsertsRefused } from '../utils/refused-inserts';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, login, uniqueEmail } from '../utils/factories';
import { ownDatabase } from '../utils/own-database';
import { enrollTotp, wrongTotpCodes } from '../utils/totp';

describe('users and sessions', () => {
  let t: TestApp;
  /** The URLs of the 5xx answers a test provoked on purpose (a database that refuses a write). */
  const provokedServerErrors: string[] = [];
  beforeAll(async () => {
    t = await createTestApp({
      // Of its own: the suite rotates the signing key (every app on a database signs with its
      // newest key) and prunes the access-token denylist by date (other suites' entries with it).
      ...ownDatabase('auth'),
      LOGIN_MAX_FAILURES_PER_EMAIL: '3',
      LOGIN_MAX_FAILURES_PER_IP: '1000',
    });
  });
  afterAll(async () => {
    const urls = t.logs.serverErrors().map((entry) => (entry.req as { url: string }).url);
    expect(urls).toEqual(provokedServerErrors);
    await t.close();
  });

  describe('POST /v1/auth/register', () => {
    it('creates the user with a personal organization they own', async () => {
      const email = uniqueEmail('reg');
      const response = await request(t.http)
        .post('/v1/auth/register')
        .send({ email, password: 'a-long-password', full_name: 'Reg User' })
        .expect(201);
      expect(response.body).toEqual({
        user_id: expect.any(String),
        email,
        organization_id: expect.any(String),
      });
      const tokens = await login(t, email, 'a-long-password');
      const orgs = await request(t.http)
        .get('/v1/organizations')
        .set(bearer(tokens.access_token))
        .expect(200);
      expect(orgs.body.data).toEqual([
        expect.objectContaining({
          id: response.body.organization_id,
          role: 'owner',
          plan: 'free',
          personal: true,
        }),
      ]);
    });

    it('refuses a second account with the same email, whatever its case', async () => {
      const email = uniqueEmail('dup');
      await request(t.http)
        .post('/v1/auth/register')
        .send({ email, password: 'a-long-password', full_name: 'A' })
        .expect(201);
      const again = await request(t.http)
        .post('/v1/auth/register')
        .send({ email: email.toUpperCase(), password: 'a-long-password', full_name: 'B' })
        .expect(409);
      expect(again.body.detail).toBe('An account with this email already exists');
    });

    it('answers 422 in the contract shape for a bad email and a missing field', async () => {
      const response = await request(t.http)
        .post('/v1/auth/register')
        .send({ email: 'not-an-email', password: 'a-long-password' })
        .expect(422);
      expect(response.body.detail).toEqual(
        expect.arrayContaining([
          {
            loc: ['body', 'email'],
            msg: 'value is not a valid email address',
            type: 'value_error.email',
          },
          { loc: ['body', 'full_name'], msg: 'field required', type: 'value_error.missing' },
        ]),
      );
    });

    it('never stores or returns the password', async () => {
      const user = await createUser(t, 'nopw');
      const verify = await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(JSON.stringify(verify.body)).not.toContain(user.password);
      // What is stored is an argon2id hash, nothing of the password itself.
      const stored = await t.app.get(DataSource).getRepository(User).findOneByOrFail({
        id: user.userId,
      });
      expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
      expect(stored.passwordHash).not.toContain(user.password);
    });
  });

  describe('POST /v1/auth/login', () => {
    it('returns an RS256 access token that verifies against the JWKS with jose', async () => {
      const user = await createUser(t, 'jwks');
      const jwks = await request(t.http).get('/.well-known/jwks.json').expect(200);
      expect(jwks.body.keys[0]).toEqual(
        expect.objectContaining({ kty: 'RSA', alg: 'RS256', kid: expect.any(String) }),
      );
      expect(jwks.body.keys[0]).not.toHaveProperty('d');
      const { payload, protectedHeader } = await jwtVerify(
        user.accessToken,
        createLocalJWKSet(jwks.body),
        {
          issuer: 'http://tessera.test',
          audience: 'http://tessera.test',
        },
      );
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload).toEqual(
        expect.objectContaining({
          sub: user.userId,
          org_id: user.organizationId,
          scope: 'admin:*',
          jti: expect.any(String),
          exp: expect.any(Number),
          iat: expect.any(Number),
        }),
      );
      expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
    });

    it('answers the contract token shape', async () => {
      const user = await createUser(t, 'shape');
      const response = await request(t.http)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
      expect(response.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: expect.stringMatching(/^rt_/),
      });
    });

    it('gives the same answer for a wrong password and an unknown email', async () => {
      const user = await createUser(t, 'wrongpw');
      const wrong = await request(t.http)
        .post('/v1/auth/login')
        .send({ email: user.email, password: 'not-the-password' })
        .expect(401);
      const unknown = await request(t.http)
        .post('/v1/auth/login')
        .send({ email: uniqueEmail('ghost'), password: 'not-the-password' })
        .expect(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body.detail).toBe('Invalid email or password');

      // The same database work before the answer, so its timing tells nothing either.
      const lookUps = async (email: string) =>
        (
          await queriesDuring(t, () =>
            request(t.http)
              .post('/v1/auth/login')
              .send({ email, password: 'not-the-password' })
              .expect(401),
          )
        ).filter((sql) => /\b(users|memberships|organizations)\b/.test(sql));
      const forUnknown = await lookUps(uniqueEmail('ghost-timing'));
      expect(forUnknown.length).toBeGreaterThanOrEqual(2);
      expect(await lookUps(user.email)).toEqual(forUnknown);
    });

    it('locks an email out with 429 and Retry-After after repeated failures, known or not', async () => {
      for (const email of [(await createUser(t, 'locked')).email, uniqueEmail('locked-ghost')]) {
        for (let i = 0; i < 3; i++) {
          await request(t.http)
            .post('/v1/auth/login')
            .send({ email, password: 'wrong-password' })
            .expect(401);
        }
        const locked = await request(t.http)
          .post('/v1/auth/login')
          .send({ email, password: 'wrong-password' })
          .expect(429);
        expect(locked.headers['retry-after']).toMatch(/^\d+$/);
        expect(locked.body.detail).toMatch(/^Rate limit exceeded\. Retry after \d+ seconds\.$/);
      }
    });
    // MySQL/MariaDB's default collations ignore accents: `alicé@` used to sign in as alice.
    it('takes an address that differs by an accent for another account, with a lock of its own', async () => {
      const alice = await createUser(t, 'accented');
      const [local, domain] = alice.email.split('@');
      const spelling = (i: number) => `${local.replace('a', ['á', 'à', 'â', 'ä'][i])}@${domain}`;
      await request(t.http)
        .post('/v1/auth/login')
        .send({ email: spelling(0), password: alice.password })
        .expect(401);
      for (let i = 1; i < 4; i++) {
        await request(t.http)
          .post('/v1/auth/login')
          .send({ email: spelling(i), password: 'wrong-password' })
          .expect(401);
      }
      await login(t, alice.email, alice.password);

      const other = await request(t.http)
        .post('/v1/auth/register')
        .send({ email: spelling(0), password: 'another-long-password', full_name: 'Other' })
        .expect(201);
      expect(other.body.user_id).not.toBe(alice.userId);
      const signedIn = await login(t, spelling(0), 'another-long-password');
      const verified = await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(signedIn.access_token))
        .expect(200);
      expect(verified.body).toEqual(expect.objectContaining({ subject: other.body.user_id }));
    });
  });

  describe('refresh and logout', () => {
    const refresh = (refreshToken: string) =>
      request(t.http).post('/v1/auth/refresh').send({ refresh_token: refreshToken });

    it('rotates the refresh token on every use', async () => {
      const user = await createUser(t, 'refresh');
      const first = await refresh(user.refreshToken).expect(200);
      expect(first.body).toEqual(
        expect.objectContaining({
          token_type: 'Bearer',
          expires_in: 3600,
          refresh_token: expect.any(String),
        }),
      );
      expect(first.body.refresh_token).not.toBe(user.refreshToken);
      await request(t.http).get('/v1/auth/verify').set(bearer(first.body.access_token)).expect(200);
      await refresh(first.body.refresh_token).expect(200);
    });

    it('revokes the whole session when an already-used refresh token comes back', async () => {
      const user = await createUser(t, 'reuse');
      const rotated = await refresh(user.refreshToken).expect(200);
      await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(rotated.body.access_token))
        .expect(200);

      const reused = await refresh(user.refreshToken).expect(401);
      expect(reused.body.code).toBe('refresh_token_reused');
      // The attacker's and the victim's descendants of that login are all dead now.
      await refresh(rotated.body.refresh_token).expect(401);
      await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(rotated.body.access_token))
        .expect(401);
      await request(t.http).get('/v1/auth/verify').set(bearer(user.accessToken)).expect(401);
    });

    it('leaves the refresh token usable when its rotation fails part way', async () => {
      const user = await createUser(t, 'refresh-fails');
      // The database refuses the next refresh token's row after the presented one's use was
      // written: the client sees an error and retries with the token it holds.
      await withInsertsRefused(t.app.get(DataSource), 'refresh_tokens', async () => {
        const failed = await refresh(user.refreshToken);
        expect(failed.status).toBe(500);
        provokedServerErrors.push('/v1/auth/refresh');
      });

      const retried = await refresh(user.refreshToken).expect(200);
      await request(t.http).get('/v1/auth/verify').set(bearer(user.accessToken)).expect(200);
      await refresh(retried.body.refresh_token).expect(200);
    });

    it('lets one of three refreshes racing with one token through, and ends the session', async () => {
      const user = await createUser(t, 'refresh-race');
      const answers = await Promise.all([1, 2, 3].map(() => refresh(user.refreshToken)));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401]);
      const winner = answers.find((answer) => answer.status === 200)!;
      await refresh(winner.body.refresh_token).expect(401);
    });

    it('rejects a made-up refresh token', async () => {
      const response = await refresh('rt_made-up').expect(401);
      expect(response.body.detail).toBe('Invalid or expired refresh token');
    });

    it('logout stops the access token and the refresh tokens at once', async () => {
      const user = await createUser(t, 'logout');
      await request(t.http).get('/v1/auth/verify').set(bearer(user.accessToken)).expect(200); // now cached
      await request(t.http).post('/v1/auth/logout').set(bearer(user.accessToken)).expect(204);
      const after = await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(user.accessToken))
        .expect(401);
      expect(after.body).toEqual({ detail: 'Invalid or expired token' });
      await refresh(user.refreshToken).expect(401);
    });

    it('prunes denylist entries once the tokens have expired, and keeps live sessions', async () => {
      const user = await createUser(t, 'pruned');
      const jti = JSON.parse(
        Buffer.from(user.accessToken.split('.')[1], 'base64url').toString(),
      ).jti;
      await request(t.http).post('/v1/auth/logout').set(bearer(user.accessToken)).expect(204);
      const live = await createUser(t, 'still-live');
      const dataSource = t.app.get(DataSource);
      const denylisted = async () =>
        (await dataSource.query('SELECT jti FROM revoked_access_tokens WHERE jti = ?', [jti]))
          .length;
      const sessions = t.app.get(SessionsService);

      await sessions.pruneExpired(new Date());
      expect(await denylisted()).toBe(1); // the token could still be presented
      // Past the access token's lifetime (1 hour) but well within the sessions' (30 days).
      await sessions.pruneExpired(new Date(Date.now() + 2 * 3_600_000));
      expect(await denylisted()).toBe(0);
      await request(t.http).get('/v1/auth/verify').set(bearer(live.accessToken)).expect(200);
      await refresh(live.refreshToken).expect(200);
    });

    it('keeps other sessions of the same user alive after a logout', async () => {
      const user = await createUser(t, 'two-sessions');
      const other = await login(t, user.email, user.password);
      await request(t.http).post('/v1/auth/logout').set(bearer(user.accessToken)).expect(204);
      await request(t.http).get('/v1/auth/verify').set(bearer(other.access_token)).expect(200);
    });
  });

  describe('GET /v1/auth/verify', () => {
    it('describes a user token', async () => {
      const user = await createUser(t, 'verify');
      const response = await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(response.body).toEqual(
        expect.objectContaining({
          authenticated: true,
          principal_type: 'user',
          subject: user.userId,
          organization_id: user.organizationId,
          scopes: ['admin:*'],
          expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        }),
      );
    });

    it('answers 401 with no credential, a garbage token and a tampered one', async () => {
      const user = await createUser(t, 'tamper');
      expect((await request(t.http).get('/v1/auth/verify').expect(401)).body.detail).toBe(
        'Missing credentials',
      );
      await request(t.http).get('/v1/auth/verify').set(bearer('garbage')).expect(401);
      const [header, payload, signature] = user.accessToken.split('.');
      const forged = Buffer.from(payload, 'base64url')
        .toString()
        .replace('"admin:*"', '"admin:*" ');
      const tampered = `${header}.${Buffer.from(forged).toString('base64url')}.${signature}`;
      const response = await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(tampered))
        .expect(401);
      expect(response.body).toEqual({ detail: 'Invalid or expired token' });
    });
  });

  describe('forged tokens', () => {
    it('cannot make every request query the database with unknown key ids', async () => {
      const user = await createUser(t, 'forged');
      // The periodic signing-key reload sends the same query; stop it so only the requests count.
      t.app.get(BackgroundJobs).onModuleDestroy();
      const [, payload, signature] = user.accessToken.split('.');
      const queries = await queriesDuring(t, async () => {
        for (let i = 0; i < 20; i++) {
          const header = Buffer.from(
            JSON.stringify({ alg: 'RS256', kid: `forged-${i}`, typ: 'JWT' }),
          ).toString('base64url');
          await request(t.http)
            .get('/v1/auth/verify')
            .set(bearer(`${header}.${payload}.${signature}`))
            .expect(401);
        }
      });
      const keyQueries = queries.filter((sql) => sql.includes('signing_keys'));
      expect(keyQueries.length).toBeLessThanOrEqual(1);
    });
  });

  describe('TOTP MFA', () => {
    const totpFor = (secret: string) =>
      new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });

    it('enrols, then requires mfa_code at login and records amr', async () => {
      const user = await createUser(t, 'mfa');
      const enrolled = await request(t.http)
        .post('/v1/auth/mfa/totp/enroll')
        .set(bearer(user.accessToken))
        .expect(201);
      expect(enrolled.body.otpauth_url).toMatch(/^otpauth:\/\/totp\//);
      const totp = totpFor(enrolled.body.secret);

      await request(t.http)
        .post('/v1/auth/mfa/totp/verify')
        .set(bearer(user.accessToken))
        .send({ code: wrongTotpCodes(totp, 1)[0] })
        .expect(401);
      const code = totp.generate();
      await request(t.http)
        .post('/v1/auth/mfa/totp/verify')
        .set(bearer(user.accessToken))
        .send({ code })
        .expect(200, { mfa_enabled: true });

      const noCode = await request(t.http)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(401);
      expect(noCode.body).toEqual({ detail: 'MFA code required', code: 'mfa_required' });
      // The code that confirmed enrolment cannot be replayed.
      await request(t.http)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password, mfa_code: code })
        .expect(401);

      const next = totp.generate({ timestamp: Date.now() + 30_000 });
      const tokens = await login(t, user.email, user.password, next);
      const verify = await request(t.http)
        .get('/v1/auth/verify')
        .set(bearer(tokens.access_token))
        .expect(200);
      expect(verify.body.mfa).toBe(true);
      const header = decodeProtectedHeader(tokens.access_token);
      expect(header.alg).toBe('RS256');
      const payload = JSON.parse(
        Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString(),
      );
      expect(payload.amr).toEqual(['pwd', 'otp']);
    });

    it('refuses a second enrolment once enabled', async () => {
      const user = await createUser(t, 'mfa2');
      await enrollTotp(t, user);
      await request(t.http)
        .post('/v1/auth/mfa/totp/enroll')
        .set(bearer(user.accessToken))
        .expect(409);
    });
  });

  describe('signing key rotation', () => {
    it('keeps tokens signed by the old key valid and serves both keys', async () => {
      const before = await createUser(t, 'rotation');
      const oldKid = decodeProtectedHeader(before.accessToken).kid;
      const rotatedAt = Date.now();
      await t.app.get(SigningKeysService).rotate();
      // Another instance signs with the old key until its next reload (60 s): a token it signs
      // then must verify for its whole hour too.
      const retired = await t.app
        .get(DataSource)
        .getRepository(SigningKey)
        .findOneByOrFail({ kid: oldKid! });
      expect(retired.verifyUntil!.getTime()).toBeGreaterThanOrEqual(rotatedAt + 3_660_000);
      const after = await login(t, before.email, before.password);
      const newKid = decodeProtectedHeader(after.access_token).kid;
      expect(newKid).not.toBe(oldKid);
      const jwks = await request(t.http).get('/.well-known/jwks.json').expect(200);
      expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual(
        expect.arrayContaining([oldKid, newKid]),
      );
      await request(t.http).get('/v1/auth/verify').set(bearer(before.accessToken)).expect(200);
      await request(t.http).get('/v1/auth/verify').set(bearer(after.access_token)).expect(200);
    });

    it('leaves the active key as it was when the new one cannot be stored', async () => {
      const dataSource = t.app.get(DataSource);
      const keys = dataSource.getRepository(SigningKey);
      const activeBefore = await keys.findBy({ retiredAt: IsNull() });
      expect(activeBefore).toHaveLength(1);
      // The database refuses the new key's row (full, gone, a constraint): nothing may change.
      await withInsertsRefused(dataSource, 'signing_keys', async () => {
        await expect(t.app.get(SigningKeysService).rotate()).rejects.toThrow();
      });
      expect(await keys.findBy({ retiredAt: IsNull() })).toEqual(activeBefore);
      const user = await createUser(t, 'after-failed-rotation');
      await request(t.http).get('/v1/auth/verify').set(bearer(user.accessToken)).expect(200);
    });
  });
});

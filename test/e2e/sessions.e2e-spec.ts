import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import { DataSource, IsNull } from 'typeorm';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { Session } from '../../src/modules/auth/sessions/session.entity';
import { SessionsService } from '../../src/modules/auth/sessions/sessions.service';
import type { RequestOrigin } from '../../src/common/http/request-origin';
import { User } from '../../src/modules/users/user.entity';
import { asKey, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, login, TestUser } from '../utils/factories';
import { awayFromWindowEdge } from '../utils/redis';
import { wrongTotpCodes } from '../utils/totp';

interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** The session (`sid`) an access token belongs to. */
const sessionIdOf = (accessToken: string): string =>
  JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sid;

const totpFor = (secret: string) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });

/** A code of the time step `steps` away from now (each step is accepted once, ±1 of now). */
const codeAt = (totp: TOTP, steps: number) =>
  totp.generate({ timestamp: Date.now() + steps * 30_000 });

describe('sessions, password change and re-authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      LOGIN_MAX_FAILURES_PER_EMAIL: '3',
      LOGIN_MAX_FAILURES_PER_IP: '1000',
    });
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const signIn = async (user: TestUser, userAgent: string, mfaCode?: string): Promise<Tokens> =>
    (
      await request(t.http)
        .post('/v1/auth/login')
        .set('User-Agent', userAgent)
        .send({ email: user.email, password: user.password, ...(mfaCode && { mfa_code: mfaCode }) })
        .expect(200)
    ).body;

  const sessionsOf = async (accessToken: string, query = '') =>
    (await request(t.http).get(`/v1/auth/sessions${query}`).set(bearer(accessToken)).expect(200))
      .body;

  /** The access token works (checked twice: the second answer comes from the token cache). */
  const accepted = async (accessToken: string) => {
    await request(t.http).get('/v1/auth/verify').set(bearer(accessToken)).expect(200);
    await request(t.http).get('/v1/auth/verify').set(bearer(accessToken)).expect(200);
  };
  const refused = (accessToken: string) =>
    request(t.http).get('/v1/auth/verify').set(bearer(accessToken)).expect(401);
  const refreshes = (refreshToken: string, status: number) =>
    request(t.http).post('/v1/auth/refresh').send({ refresh_token: refreshToken }).expect(status);

  /** Moves a session's sign-in `minutes` into the past (and its last use, with `lastUsed`). */
  const signedInAgo = async (accessToken: string, minutes: number, lastUsed = false) => {
    const at = new Date(Date.now() - minutes * 60_000);
    await t.app
      .get(DataSource)
      .getRepository(Session)
      .update(
        { id: sessionIdOf(accessToken) },
        lastUsed ? { createdAt: at, lastUsedAt: at } : { createdAt: at },
      );
  };

  /** The audit events of an action in an organization, once every queued one is written. */
  const auditEvents = async (organizationId: string, action: string) => {
    await t.app.get(AuditWriter).drain();
    const rows: { outcome: string; target_id: string | null; metadata: string }[] = await t.app
      .get(DataSource)
      .query(
        'SELECT outcome, target_id, metadata FROM audit_events ' +
          'WHERE organization_id = ? AND action = ? ORDER BY seq',
        [organizationId, action],
      );
    return rows.map((row) => ({ ...row, metadata: JSON.parse(row.metadata) }));
  };

  /** Turns TOTP on with the user's current session; answers the authenticator. */
  const enableMfa = async (user: TestUser, accessToken = user.accessToken): Promise<TOTP> => {
    const enrolled = await request(t.http)
      .post('/v1/auth/mfa/totp/enroll')
      .set(bearer(accessToken))
      .expect(201);
    const totp = totpFor(enrolled.body.secret);
    // The step before now is taken only until the current step ends: sent well before that.
    await awayFromWindowEdge(30_000, 5_000);
    await request(t.http)
      .post('/v1/auth/mfa/totp/verify')
      .set(bearer(accessToken))
      .send({ code: codeAt(totp, -1) })
      .expect(200);
    return totp;
  };

  describe('GET /v1/auth/sessions', () => {
    it('lists the caller’s live sessions with where and when they signed in', async () => {
      const user = await createUser(t, 'list');
      const laptop = await signIn(user, 'laptop-browser/1.0');
      const phone = await signIn(user, 'phone-app/2.0');
      await request(t.http).post('/v1/auth/logout').set(bearer(user.accessToken)).expect(204);
      const other = await createUser(t, 'list-other');

      const listed = await sessionsOf(laptop.access_token);
      expect(listed).toEqual({
        data: [
          {
            id: sessionIdOf(phone.access_token),
            created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
            last_used: expect.any(String),
            expires: expect.any(String),
            ip: expect.stringMatching(/127\.0\.0\.1/),
            user_agent: 'phone-app/2.0',
            current: false,
            mfa: false,
          },
          expect.objectContaining({
            id: sessionIdOf(laptop.access_token),
            user_agent: 'laptop-browser/1.0',
            current: true,
          }),
        ],
        has_more: false,
      });
      const [session] = listed.data;
      expect(session.last_used).toBe(session.created);
      // The logged-out session and the other user's are not there.
      const ids = listed.data.map((s: { id: string }) => s.id);
      expect(ids).not.toContain(sessionIdOf(user.accessToken));
      expect(ids).not.toContain(sessionIdOf(other.accessToken));
    });

    it('moves last_used at each refresh', async () => {
      const user = await createUser(t, 'last-used');
      await signedInAgo(user.accessToken, 60, true);
      const [before] = (await sessionsOf(user.accessToken)).data;
      expect(Date.now() - Date.parse(before.last_used)).toBeGreaterThanOrEqual(59 * 60_000);
      const refreshed = await refreshes(user.refreshToken, 200);
      const [after] = (await sessionsOf(refreshed.body.access_token)).data;
      expect(after.created).toBe(before.created);
      expect(Date.now() - Date.parse(after.last_used)).toBeLessThan(60_000);
    });

    it('pages with limit and starting_after, newest first', async () => {
      const user = await createUser(t, 'paged');
      const second = await signIn(user, 'second');
      const third = await signIn(user, 'third');
      const first = await sessionsOf(user.accessToken, '?limit=2');
      expect(first.data.map((s: { id: string }) => s.id)).toEqual([
        sessionIdOf(third.access_token),
        sessionIdOf(second.access_token),
      ]);
      expect(first.has_more).toBe(true);
      const rest = await sessionsOf(
        user.accessToken,
        `?limit=2&starting_after=${first.data[1].id}`,
      );
      expect(rest).toEqual({
        data: [expect.objectContaining({ id: sessionIdOf(user.accessToken), current: true })],
        has_more: false,
      });
    });

    it('answers 403 to an API key: only a signed-in user has sessions', async () => {
      const user = await createUser(t, 'list-key');
      const key = await createApiKey(t, bearer(user.accessToken), {
        name: 'k',
        scopes: ['translate:read'],
      });
      const response = await request(t.http)
        .get('/v1/auth/sessions')
        .set(asKey(key.key))
        .expect(403);
      expect(response.body.detail).toBe('This endpoint needs a user access token');
    });
  });

  describe('DELETE /v1/auth/sessions/:id', () => {
    it('ends another session of the caller: its access and refresh tokens stop at once', async () => {
      const user = await createUser(t, 'end-one');
      const stolen = await signIn(user, 'stolen-laptop');
      await accepted(stolen.access_token); // cached from now on
      await request(t.http)
        .delete(`/v1/auth/sessions/${sessionIdOf(stolen.access_token)}`)
        .set(bearer(user.accessToken))
        .expect(204);
      await refused(stolen.access_token);
      await refreshes(stolen.refresh_token, 401);
      await accepted(user.accessToken);
      const ids = (await sessionsOf(user.accessToken)).data.map((s: { id: string }) => s.id);
      expect(ids).toEqual([sessionIdOf(user.accessToken)]);
      const [event] = await auditEvents(user.organizationId, 'session.revoked');
      expect(event).toEqual({
        outcome: 'success',
        target_id: sessionIdOf(stolen.access_token),
        metadata: { reason: 'revoked_by_user', current: false },
      });
    });

    it('ends the current session too when it is the one named', async () => {
      const user = await createUser(t, 'end-current');
      await accepted(user.accessToken);
      await request(t.http)
        .delete(`/v1/auth/sessions/${sessionIdOf(user.accessToken)}`)
        .set(bearer(user.accessToken))
        .expect(204);
      await refused(user.accessToken);
      await refreshes(user.refreshToken, 401);
    });

    it('answers 404 for another user’s session, exactly as for a made-up or ended one', async () => {
      const user = await createUser(t, 'end-foreign');
      const victim = await createUser(t, 'end-victim');
      const ended = await signIn(user, 'ended');
      await request(t.http).post('/v1/auth/logout').set(bearer(ended.access_token)).expect(204);
      const answers = [];
      for (const id of [
        sessionIdOf(victim.accessToken),
        '0190f000-0000-7000-8000-000000000000',
        sessionIdOf(ended.access_token),
        'not-a-session-id',
      ]) {
        const response = await request(t.http)
          .delete(`/v1/auth/sessions/${id}`)
          .set(bearer(user.accessToken))
          .expect(404);
        answers.push(response.body);
      }
      expect(answers).toEqual(Array(4).fill({ detail: 'Session not found' }));
      await accepted(victim.accessToken);
      await refreshes(victim.refreshToken, 200);
    });
  });

  describe('POST /v1/auth/logout-all', () => {
    it('ends every session of the caller, this one included, and no one else’s', async () => {
      const user = await createUser(t, 'logout-all');
      const other = await signIn(user, 'other-device');
      const bystander = await createUser(t, 'logout-all-bystander');
      await accepted(user.accessToken);
      await accepted(other.access_token);
      await request(t.http).post('/v1/auth/logout-all').set(bearer(user.accessToken)).expect(204);
      for (const tokens of [
        { access_token: user.accessToken, refresh_token: user.refreshToken },
        other,
      ]) {
        await refused(tokens.access_token);
        await refreshes(tokens.refresh_token, 401);
      }
      await accepted(bystander.accessToken);
      await refreshes(bystander.refreshToken, 200);
      expect(await auditEvents(user.organizationId, 'session.logged_out_all')).toEqual([
        { outcome: 'success', target_id: user.userId, metadata: { sessions_ended: 2 } },
      ]);
      // Signing in again works.
      await accepted((await login(t, user.email, user.password)).access_token);
    });
  });

  describe('POST /v1/auth/password', () => {
    const changePassword = (accessToken: string, body: Record<string, unknown>) =>
      request(t.http).post('/v1/auth/password').set(bearer(accessToken)).send(body);

    it('changes the password with current_password and ends every other session', async () => {
      const user = await createUser(t, 'password');
      const other = await signIn(user, 'other-device');
      await accepted(other.access_token);
      await signedInAgo(user.accessToken, 60); // current_password works at any age
      const newPassword = 'a-brand-new-password';
      await changePassword(user.accessToken, {
        current_password: user.password,
        new_password: newPassword,
      }).expect(204);

      await refused(other.access_token);
      await refreshes(other.refresh_token, 401);
      await accepted(user.accessToken);
      await refreshes(user.refreshToken, 200);
      await request(t.http)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(401);
      await login(t, user.email, newPassword);

      const events = await auditEvents(user.organizationId, 'auth.password.changed');
      expect(events).toEqual([
        {
          outcome: 'success',
          target_id: user.userId,
          metadata: { reauthenticated_by: 'password', other_sessions_ended: 1 },
        },
      ]);
      expect(JSON.stringify(events)).not.toContain(newPassword);
      expect(JSON.stringify(events)).not.toContain(user.password);
    });

    it('ends a sign-in that read the account before the change and stored its session after it', async () => {
      const user = await createUser(t, 'password-race');
      // The login's read of the account, then the change (which ends the other sessions), then
      // the login storing its session: the order two requests racing can take.
      const readByLogin = await t.app
        .get(DataSource)
        .getRepository(User)
        .findOneByOrFail({ id: user.userId });
      await changePassword(user.accessToken, {
        current_password: user.password,
        new_password: 'changed-while-signing-in',
      }).expect(204);
      const origin: RequestOrigin = { requestId: null, ip: '127.0.0.1', userAgent: 'race' };
      await expect(
        t.app.get(SessionsService).issue(readByLogin, ['pwd'], origin),
      ).rejects.toMatchObject({ code: 'credentials_changed' });
      const live = await t.app
        .get(DataSource)
        .getRepository(Session)
        .countBy({ userId: user.userId, revokedAt: IsNull() });
      expect(live).toBe(1); // the session that changed the password
    });

    it('refuses a wrong current_password with 401, and counts it toward the login lock', async () => {
      const user = await createUser(t, 'password-guess');
      for (let i = 0; i < 3; i++) {
        const wrong = await changePassword(user.accessToken, {
          current_password: `guess-${i}-wrong`,
          new_password: 'a-brand-new-password',
        }).expect(401);
        expect(wrong.body).toEqual({ detail: 'Invalid password', code: 'invalid_credentials' });
      }
      // Locked: even the right password is not checked any more, here or at login.
      const locked = await changePassword(user.accessToken, {
        current_password: user.password,
        new_password: 'a-brand-new-password',
      }).expect(429);
      expect(locked.headers['retry-after']).toMatch(/^\d+$/);
      await request(t.http)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(429);
      const failures = await auditEvents(user.organizationId, 'auth.reauthentication.failed');
      expect(failures.map((e) => e.metadata)).toEqual([
        ...Array(3).fill({ purpose: 'password_change', reason: 'wrong_password' }),
        { purpose: 'password_change', reason: 'too_many_failures' },
      ]);
      expect(JSON.stringify(failures)).not.toContain('guess-');
    });

    it('needs no current_password within 5 minutes of signing in, and needs it after', async () => {
      const user = await createUser(t, 'password-fresh');
      await changePassword(user.accessToken, { new_password: 'fresh-sign-in-password' }).expect(
        204,
      );
      const stale = await signIn({ ...user, password: 'fresh-sign-in-password' }, 'stale');
      await signedInAgo(stale.access_token, 6);
      const refusedChange = await changePassword(stale.access_token, {
        new_password: 'stale-sign-in-password',
      }).expect(403);
      expect(refusedChange.body).toEqual({
        detail: 'Send current_password, or sign in again (a sign-in less than 5 minutes old)',
        code: 'reauthentication_required',
      });
      // A refreshed token of an old sign-in is no fresher.
      const refreshed = await refreshes(stale.refresh_token, 200);
      await changePassword(refreshed.body.access_token, {
        new_password: 'stale-sign-in-password',
      }).expect(403);
      await login(t, user.email, 'fresh-sign-in-password');
    });

    it('needs a recent sign-in that passed MFA when the user has MFA', async () => {
      const user = await createUser(t, 'password-mfa');
      const totp = await enableMfa(user);
      // The session that turned MFA on signed in without it.
      await changePassword(user.accessToken, { new_password: 'no-mfa-sign-in-pw' }).expect(403);
      const withMfa = await signIn(user, 'with-mfa', codeAt(totp, 0));
      await changePassword(withMfa.access_token, { new_password: 'mfa-sign-in-password' }).expect(
        204,
      );
      const [event] = await auditEvents(user.organizationId, 'auth.password.changed');
      expect(event.metadata.reauthenticated_by).toBe('recent_sign_in');
    });

    it('applies registration’s rules to the new password', async () => {
      const user = await createUser(t, 'password-rules');
      const short = await changePassword(user.accessToken, {
        current_password: user.password,
        new_password: 'short',
      }).expect(422);
      expect(short.body.detail).toEqual([
        {
          loc: ['body', 'new_password'],
          msg: 'password must be at least 10 characters',
          type: 'value_error.any_str.min_length',
        },
      ]);
      const missing = await changePassword(user.accessToken, {}).expect(422);
      expect(missing.body.detail).toEqual([
        { loc: ['body', 'new_password'], msg: 'field required', type: 'value_error.missing' },
      ]);
      await login(t, user.email, user.password);
    });
  });

  describe('MFA and sessions', () => {
    it('ends the sessions that signed in before MFA was turned on', async () => {
      const user = await createUser(t, 'mfa-ends');
      const before = await signIn(user, 'signed-in-before-mfa');
      await accepted(before.access_token);
      await enableMfa(user);
      await refused(before.access_token);
      await refreshes(before.refresh_token, 401);
      // The session that turned it on goes on.
      await accepted(user.accessToken);
      await refreshes(user.refreshToken, 200);
      const [event] = await auditEvents(user.organizationId, 'auth.mfa.enrolled');
      expect(event.metadata).toEqual({ method: 'totp', other_sessions_ended: 1 });
    });

    it('enrols only with current_password or a sign-in less than 5 minutes old', async () => {
      const user = await createUser(t, 'mfa-reauth');
      await signedInAgo(user.accessToken, 6);
      const enroll = (body: Record<string, unknown>) =>
        request(t.http).post('/v1/auth/mfa/totp/enroll').set(bearer(user.accessToken)).send(body);
      expect((await enroll({}).expect(403)).body.code).toBe('reauthentication_required');
      expect((await enroll({ current_password: 'wrong-password' }).expect(401)).body).toEqual({
        detail: 'Invalid password',
        code: 'invalid_credentials',
      });
      const enrolled = await enroll({ current_password: user.password }).expect(201);
      expect(enrolled.body.secret).toEqual(expect.any(String));
    });

    it('turns MFA off with a code and a re-authentication; login then needs no code', async () => {
      const user = await createUser(t, 'mfa-off');
      const totp = await enableMfa(user);
      const remove = (accessToken: string, body: Record<string, unknown>) =>
        request(t.http).delete('/v1/auth/mfa/totp').set(bearer(accessToken)).send(body);

      // A fresh sign-in without MFA is not enough for a user who has it.
      expect(
        (await remove(user.accessToken, { code: codeAt(totp, 0) }).expect(403)).body.code,
      ).toBe('reauthentication_required');
      const [wrongCode] = wrongTotpCodes(totp, 1);
      const wrong = await remove(user.accessToken, {
        current_password: user.password,
        code: wrongCode,
      }).expect(401);
      expect(wrong.body).toEqual({ detail: 'Invalid MFA code', code: 'invalid_mfa_code' });
      await remove(user.accessToken, {
        current_password: user.password,
        code: codeAt(totp, 0),
      }).expect(204);

      const tokens = await login(t, user.email, user.password);
      await remove(tokens.access_token, { code: codeAt(totp, 1) }).expect(409);
      const [event] = await auditEvents(user.organizationId, 'auth.mfa.removed');
      expect(event.metadata).toEqual({ method: 'totp', reauthenticated_by: 'password' });
    });

    it('turns MFA off after a recent sign-in that passed MFA, without the password', async () => {
      const user = await createUser(t, 'mfa-off-fresh');
      const totp = await enableMfa(user);
      const withMfa = await signIn(user, 'with-mfa', codeAt(totp, 0));
      await request(t.http)
        .delete('/v1/auth/mfa/totp')
        .set(bearer(withMfa.access_token))
        .send({ code: codeAt(totp, 1) })
        .expect(204);
      await login(t, user.email, user.password);
    });
  });
});

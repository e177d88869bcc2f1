import Database from 'better-sqlite3';
import { ConfigService } from '@nestjs/config';
import request from 'supertest';
import { DataSource, EntitySubscriberInterface } from 'typeorm';
import { DatabaseAvailability } from '../../src/database/database-availability';
import { withQueryTimeout } from '../../src/database/query-timeout';
import { ApiKeyUsageRecorder } from '../../src/modules/api-keys/api-key-usage.recorder';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { MembershipRolesCache } from '../../src/modules/organizations/membership-roles.cache';
import { asKey, bearer, createApiKey, usageTotals, userWithKey } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { createUser, uniqueEmail } from '../utils/factories';
import { DisposableMariaDb, describeWithMariaDbServer } from '../utils/mariadb-server';
import { migrateDatabase } from '../utils/migrations';
import { testDatabaseUrl } from '../utils/test-env';

/** The bounds the README states, with the default DB_TIMEOUT_MS. */
const UNAVAILABLE_WITHIN_MS = 3000;
const NORMAL_AGAIN_WITHIN_MS = 2000;
const SERVICE_UNAVAILABLE = { detail: 'Service unavailable' };

/** A request and how long its answer took; one the app never answers fails after 10 s. */
async function timed(
  send: () => request.Test,
): Promise<{ response: request.Response; ms: number }> {
  const started = Date.now();
  const response = await send().timeout(10_000);
  return { response, ms: Date.now() - started };
}

/** Milliseconds from `since` until `check` first holds, trying every 50 ms for at most `giveUpMs`. */
async function msUntil(
  since: number,
  check: () => Promise<boolean>,
  giveUpMs = 10_000,
): Promise<number> {
  for (;;) {
    if (await check()) return Date.now() - since;
    if (Date.now() - since > giveUpMs) throw new Error(`condition not met within ${giveUpMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const answers = (send: () => request.Test, status: number) => async () =>
  (await send().timeout(10_000)).status === status;

describeWithMariaDbServer('when the database hangs or dies (a MariaDB of its own)', () => {
  const server = new DisposableMariaDb();
  let t: TestApp;

  beforeAll(async () => {
    await server.start();
    await migrateDatabase(server.url());
    t = await createTestApp({
      DATABASE_URL: server.url(),
      DB_MIGRATIONS_RUN: 'false',
      // As deployed: the plan's limit is read on every request (cached), so it is on the path.
      RATE_LIMITS_ENABLED: 'true',
      // Usage is written only at the database's return here, not by the periodic flush.
      API_KEY_USAGE_FLUSH_MS: String(3_600_000),
      DB_OUTAGE_LOG_INTERVAL_MS: '1000',
    });
  }, 120_000);

  afterAll(async () => {
    server.resume(); // closing the app waits for its connections
    if (t) {
      // The only 5xx: the 503s these tests asked for.
      const statuses = t.logs
        .serverErrors()
        .map((entry) => (entry.res as { status_code: number }).status_code);
      expect(statuses.filter((status) => status !== 503)).toEqual([]);
      await t.close();
    }
    await server.stop();
  }, 60_000);

  const storedEvents = async (organizationId: string, action: string) => {
    const rows = await server.query<{ n: number }[]>(
      'SELECT COUNT(*) AS n FROM audit_events WHERE organization_id = ? AND action = ?',
      [organizationId, action],
      'test',
    );
    return Number(rows[0].n);
  };

  it('answers 503 within 3 s while the database is paused, and normally within 2 s after', async () => {
    const { user, key: uncached } = await userWithKey(t, 'paused');
    const cached = await createApiKey(t, bearer(user.accessToken), {
      name: 'cached',
      scopes: ['translate:read'],
    });
    await request(t.http).get('/v1/auth/verify').set(asKey(cached.key)).expect(200);
    const health = () => request(t.http).get('/v1/health');
    const login = () =>
      request(t.http).post('/v1/auth/login').send({ email: user.email, password: user.password });
    const verify = () => request(t.http).get('/v1/auth/verify').set(asKey(uncached.key));

    await server.pause();
    let resumedAt: number;
    try {
      const [down, refused, unverified] = await Promise.all([
        timed(health),
        timed(login),
        timed(verify),
      ]);
      expect(down.response.status).toBe(503);
      expect(down.response.body).toEqual(
        expect.objectContaining({ status: 'degraded', database: 'down' }),
      );
      for (const { response } of [refused, unverified]) {
        expect(response.status).toBe(503);
        expect(response.body).toEqual(SERVICE_UNAVAILABLE);
      }
      for (const { ms } of [down, refused, unverified])
        expect(ms).toBeLessThan(UNAVAILABLE_WITHIN_MS);
      // Refused without the database: queued for the audit log meanwhile.
      await request(t.http).get('/v1/api-keys').set(asKey(cached.key)).expect(403);
    } finally {
      server.resume();
      resumedAt = Date.now();
    }

    expect(await msUntil(resumedAt, answers(health, 200))).toBeLessThan(NORMAL_AGAIN_WITHIN_MS);
    expect(await msUntil(resumedAt, answers(login, 200))).toBeLessThan(NORMAL_AGAIN_WITHIN_MS);
    expect(await msUntil(resumedAt, answers(verify, 200))).toBeLessThan(NORMAL_AGAIN_WITHIN_MS);
    const denied = () => storedEvents(user.organizationId, 'authorization.denied');
    expect(await msUntil(resumedAt, async () => (await denied()) === 1)).toBeLessThan(
      NORMAL_AGAIN_WITHIN_MS,
    );
  });

  it('fails a query slower than DB_TIMEOUT_MS after 2 s and never reuses its connection; work with a bound of its own runs on', async () => {
    const dataSource = t.app.get(DataSource);
    // As migrations run: unbounded.
    const unbounded = withQueryTimeout(null, () => dataSource.query('SELECT SLEEP(2.5) AS slept'));
    const started = Date.now();
    await expect(dataSource.query('SELECT SLEEP(4)')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(UNAVAILABLE_WITHIN_MS);
    // While the server still sleeps on the abandoned query, no pooled connection waits for it.
    const quick = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const sent = Date.now();
        await dataSource.query('SELECT 1');
        return Date.now() - sent;
      }),
    );
    for (const ms of quick) expect(ms).toBeLessThan(1000);
    await expect(unbounded).resolves.toEqual([{ slept: expect.anything() }]);
  });

  it('verifies a cached key at once while the database is paused: it needs no query', async () => {
    const { key } = await userWithKey(t, 'cached');
    await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    await server.pause();
    try {
      const { response, ms } = await timed(() =>
        request(t.http).get('/v1/auth/verify').set(asKey(key.key)),
      );
      expect(response.status).toBe(200);
      expect(ms).toBeLessThan(500);
    } finally {
      server.resume();
    }
  });

  it('stores an audit event once when the database applied its write but answered too late', async () => {
    const { user, key } = await userWithKey(t, 'late-commit');
    const other = await createApiKey(t, bearer(user.accessToken), {
      name: 'other',
      scopes: ['translate:read'],
    });
    for (const { key: presented } of [key, other]) {
      await request(t.http).get('/v1/auth/verify').set(asKey(presented)).expect(200);
    }
    await t.app.get(AuditWriter).drain();
    // The next transaction's COMMIT reaches a paused server: applied at SIGCONT, its answer
    // long after the writer gave up on it.
    const dataSource = t.app.get(DataSource);
    const pauseAtCommit: EntitySubscriberInterface = {
      beforeTransactionCommit: async () => {
        dataSource.subscribers.splice(dataSource.subscribers.indexOf(pauseAtCommit), 1);
        await server.pause();
      },
    };
    dataSource.subscribers.push(pauseAtCommit);
    const failures = () =>
      t.logs
        .entries()
        .filter(
          (entry) =>
            entry.chain === user.organizationId && /Audit write failed/.test(String(entry.msg)),
        ).length;
    try {
      await request(t.http).get('/v1/api-keys').set(asKey(key.key)).expect(403);
      await msUntil(Date.now(), async () => failures() > 0);
    } finally {
      server.resume();
    }
    const resumedAt = Date.now();
    const denied = () => storedEvents(user.organizationId, 'authorization.denied');
    expect(await msUntil(resumedAt, async () => (await denied()) === 1)).toBeLessThan(
      NORMAL_AGAIN_WITHIN_MS,
    );
    // The chain goes on: a later event is stored after it, and the chain verifies.
    await request(t.http).get('/v1/api-keys').set(asKey(other.key)).expect(403);
    expect(await msUntil(resumedAt, async () => (await denied()) === 2)).toBeLessThan(
      NORMAL_AGAIN_WITHIN_MS,
    );
    const verified = await request(t.http)
      .get('/v1/audit-logs/verify')
      .set(bearer(user.accessToken))
      .expect(200);
    expect(verified.body).toEqual(expect.objectContaining({ valid: true }));
  });

  it('stores what was queued while the database was down within 2 s of its return, not after the writers’ backoff', async () => {
    const { user, key } = await userWithKey(t, 'killed');
    await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    await server.kill();
    await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    await request(t.http).get('/v1/api-keys').set(asKey(key.key)).expect(403);
    // Each failed write doubles the audit writer's wait; from this one on, the old writer would
    // store the event 6.4 s later whenever the database came back.
    await msUntil(
      Date.now(),
      async () =>
        t.logs
          .entries()
          .some(
            (entry) =>
              entry.chain === user.organizationId && /retrying in 6400 ms/.test(String(entry.msg)),
          ),
      20_000,
    );

    await server.restart();
    const backAt = Date.now();
    const denied = () => storedEvents(user.organizationId, 'authorization.denied');
    expect(await msUntil(backAt, async () => (await denied()) === 1)).toBeLessThan(
      NORMAL_AGAIN_WITHIN_MS,
    );
    // The key's three requests (the refused one was authenticated), counted in memory, too.
    const requests = async () => {
      const rows = await server.query<{ n: number | null }[]>(
        'SELECT SUM(requests) AS n FROM api_key_usage WHERE key_id = ?',
        [key.id],
        'test',
      );
      return Number(rows[0].n ?? 0);
    };
    expect(await msUntil(backAt, async () => (await requests()) === 3)).toBeLessThan(
      NORMAL_AGAIN_WITHIN_MS,
    );
  });

  it('counts a key’s requests answered 503 as failed, not as requests served', async () => {
    const { user, key } = await userWithKey(t, 'failed-usage', { scopes: ['api_keys:read'] });
    // Verified from memory while the database is away; the list itself needs the database.
    const listKeys = () => request(t.http).get('/v1/api-keys').set(asKey(key.key)).timeout(10_000);
    await listKeys().expect(200);
    await listKeys().expect(200);
    await server.kill();
    try {
      for (let i = 0; i < 4; i++) {
        const response = await listKeys();
        expect(response.status).toBe(503);
        expect(response.body).toEqual(SERVICE_UNAVAILABLE);
      }
      // Served meanwhile: it needs no database.
      await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    } finally {
      await server.restart();
    }
    expect(await usageTotals(t, key.id, bearer(user.accessToken))).toEqual({
      requests: 3,
      rejected: 0,
      failed: 4,
    });
  });

  it('counts a known key’s request as failed when its verification got 503 (its owner’s role not cached)', async () => {
    const { user, key } = await userWithKey(t, 'failed-verify');
    const verify = () => request(t.http).get('/v1/auth/verify').set(asKey(key.key)).timeout(10_000);
    await verify().expect(200);
    // The key stays cached; its owner's role must be read again (as 30 s into an outage).
    await t.app.get(MembershipRolesCache).forget(user.userId, user.organizationId);
    await server.kill();
    try {
      const response = await verify();
      expect(response.status).toBe(503);
    } finally {
      await server.restart();
    }
    expect(await usageTotals(t, key.id, bearer(user.accessToken))).toEqual({
      requests: 1,
      rejected: 0,
      failed: 1,
    });
  });

  it('moves a request answered 503 to failed even when its acceptance was being written meanwhile', async () => {
    const { user, key } = await userWithKey(t, 'failed-mid-flush', { scopes: ['api_keys:read'] });
    const listKeys = () => request(t.http).get('/v1/api-keys').set(asKey(key.key)).timeout(10_000);
    await listKeys().expect(200);
    const recorder = t.app.get(ApiKeyUsageRecorder);
    await recorder.flush();
    await server.pause();
    try {
      // Counted as accepted at once; its list then waits for the paused database (DB_TIMEOUT_MS).
      const failing = listKeys().then((response) => response);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Takes that count out of memory, then waits as long, and puts it back when it fails: the
      // 503 comes in between.
      const flushed = recorder.flush();
      expect((await failing).status).toBe(503);
      await flushed;
    } finally {
      server.resume();
    }
    expect(await usageTotals(t, key.id, bearer(user.accessToken))).toEqual({
      requests: 1,
      rejected: 0,
      failed: 1,
    });
  });

  it('logs the outage once, the requests refused per interval and its end, not an error with a stack per 503', async () => {
    const { key } = await userWithKey(t, 'log-flood', { scopes: ['api_keys:read'] });
    const listKeys = () => request(t.http).get('/v1/api-keys').set(asKey(key.key)).timeout(10_000);
    await listKeys().expect(200);
    // The outage an earlier test caused ends when a probe finds the database back, which can be
    // after that test's own queries succeeded: this one's outage must begin with its own line.
    const availability = t.app.get(DatabaseAvailability);
    await msUntil(Date.now(), async () => !availability.isDown());
    const from = t.logs.lines.length;
    const logged = () => t.logs.entries().slice(from);
    const outageLines = (pattern: RegExp) =>
      logged().filter(
        (entry) => entry.context === 'DatabaseAvailability' && pattern.test(String(entry.msg)),
      );
    const refusedIds: string[] = [];
    await server.kill();
    try {
      for (let i = 0; i < 30; i++) {
        const response = await listKeys();
        expect(response.status).toBe(503);
        refusedIds.push(String(response.headers['x-request-id']));
      }
      // DB_OUTAGE_LOG_INTERVAL_MS is 1 s in this suite.
      await msUntil(Date.now(), async () => outageLines(/^Database still unavailable/).length > 0);
    } finally {
      await server.restart();
    }
    await msUntil(Date.now(), async () => outageLines(/^Database available again/).length > 0);

    const down = outageLines(/^Database unavailable/);
    expect(down).toEqual([expect.objectContaining({ level: 50, code: expect.any(String) })]);
    expect(down[0]).not.toHaveProperty('err');
    const counts = outageLines(/^Database still unavailable/);
    const countedRefusals = counts.reduce((sum, entry) => sum + Number(entry.refused), 0);
    expect(countedRefusals).toBeGreaterThan(0);
    expect(countedRefusals).toBeLessThanOrEqual(refusedIds.length);
    const back = outageLines(/^Database available again/);
    expect(back).toEqual([expect.objectContaining({ refused: refusedIds.length })]);
    expect(String(back[0].msg)).toMatch(
      /^Database available again after \d+\.\d s; 30 requests refused with 503 while it was unavailable$/,
    );
    // Each refused request has its request line and no other: no error, no stack.
    for (const id of refusedIds) {
      expect(logged().filter((entry) => entry.request_id === id)).toEqual([
        expect.objectContaining({ msg: 'request completed', res: { status_code: 503 } }),
      ]);
    }
    const withStack = logged().filter((entry) => JSON.stringify(entry).includes('\\n    at '));
    expect(withStack.length).toBeLessThan(refusedIds.length / 10);
  });
});

// The embedded database: another process holding the write lock is its way of not answering.
(testDatabaseUrl() ? describe.skip : describe)(
  'when the SQLite file is locked by another process',
  () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it('waits for the lock no longer than DB_TIMEOUT_MS, then answers 503', async () => {
      const owner = await createUser(t, 'locked');
      // The sign-up's audit events are written first: better-sqlite3 waits for a lock on the event
      // loop, so a background write caught by the lock would hold this request up as well.
      await t.app.get(AuditWriter).drain();
      const other = new Database(t.app.get(ConfigService).get<string>('SQLITE_PATH')!);
      try {
        other.exec('BEGIN IMMEDIATE');
        const { response, ms } = await timed(() =>
          request(t.http)
            .post('/v1/auth/register')
            .send({
              email: uniqueEmail('locked'),
              password: 'a long enough password',
              full_name: 'L',
            }),
        );
        expect(response.status).toBe(503);
        expect(response.body).toEqual(SERVICE_UNAVAILABLE);
        expect(ms).toBeLessThan(UNAVAILABLE_WITHIN_MS);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      await request(t.http).get('/v1/auth/verify').set(bearer(owner.accessToken)).expect(200);
    });
  },
);

import request from 'supertest';
import { LONGEST_CACHE_LIFETIME_MS } from '../../src/common/cache/invalidatable-cache';
import { CacheInvalidationBus } from '../../src/common/cluster/cache-invalidation.bus';
import { asKey, bearer, createApiKey, userWithKey } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { createUser, login } from '../utils/factories';
import { DisposableMariaDb, describeWithMariaDbServer } from '../utils/mariadb-server';
import { migrateDatabase } from '../utils/migrations';
import { TestClock } from '../utils/test-clock';

const SERVICE_UNAVAILABLE = { detail: 'Service unavailable' };
/** STALE_IF_ERROR_SECONDS' default. */
const STALE_WINDOW_MS = 300_000;
/** The shortest lifetime a verify depends on: a user's role in an organization. */
const ROLE_LIFETIME_MS = 30_000;

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

/** The session an access token belongs to (its `sid` claim). */
function sessionOf(accessToken: string): string {
  return (
    JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as {
      sid: string;
    }
  ).sid;
}

/**
 * Cached entries run out on the app's clock, which the suite moves: minutes of an outage pass in
 * a few seconds. The database really is killed (SIGKILL) and started again on the same data.
 */
describeWithMariaDbServer('stale if error: a killed database (a MariaDB of its own)', () => {
  const server = new DisposableMariaDb();
  const clock = TestClock.atStartOfNextHour();
  let t: TestApp;

  beforeAll(async () => {
    await server.start();
    await migrateDatabase(server.url());
    t = await createTestApp(
      {
        DATABASE_URL: server.url(),
        DB_MIGRATIONS_RUN: 'false',
        // As deployed: the plan's limit is read on every request (cached), so it is on the path.
        RATE_LIMITS_ENABLED: 'true',
        // Usage is written only at the database's return here, not by the periodic flush.
        API_KEY_USAGE_FLUSH_MS: String(3_600_000),
      },
      { clock },
    );
  }, 120_000);

  afterAll(async () => {
    try {
      if (t) {
        // The only 5xx: the 503s these tests asked for.
        const statuses = t.logs
          .serverErrors()
          .map((entry) => (entry.res as { status_code: number }).status_code);
        try {
          expect(statuses.filter((status) => status !== 503)).toEqual([]);
        } finally {
          await t.close();
        }
      }
    } finally {
      await server.stop();
    }
  }, 60_000);

  const verify = (headers: Record<string, string>) =>
    request(t.http).get('/v1/auth/verify').set(headers).timeout(10_000);
  const statusOf = async (headers: Record<string, string>) => (await verify(headers)).status;

  it('answers a cached key and user token for STALE_IF_ERROR_SECONDS after what they need ran out, then 503; once the database is back, normally, with the outage’s usage and audit events stored', async () => {
    const { user, key } = await userWithKey(t, 'stale');
    const asUser = bearer(user.accessToken);
    // Caches the key, the token, the user's role and the organization's plan limit (the clock
    // stands still: all at this time).
    await verify(asKey(key.key)).expect(200);
    await verify(asUser).expect(200);
    const cachedAt = clock.now();

    await server.kill();
    try {
      // Every entry ran out: the key's, the token's and the plan's (60 s), the role's (30 s).
      clock.advance(LONGEST_CACHE_LIFETIME_MS + 1000);
      await verify(asKey(key.key)).expect(200);
      await verify(asUser).expect(200);
      // Refused for its scopes, which needs no database: an audit event held in memory.
      await request(t.http).get('/v1/api-keys').set(asKey(key.key)).expect(403);
      // The role, the first to run out, did so 299 s ago: still within the window.
      clock.advance(cachedAt + ROLE_LIFETIME_MS + STALE_WINDOW_MS - 1000 - clock.now());
      await verify(asKey(key.key)).expect(200);
      await verify(asUser).expect(200);
      // 301 s ago: the database would have to tell, and it cannot.
      clock.advance(2000);
      for (const headers of [asKey(key.key), asUser]) {
        const response = await verify(headers);
        expect(response.status).toBe(503);
        expect(response.body).toEqual(SERVICE_UNAVAILABLE);
      }
    } finally {
      await server.restart();
    }
    const backAt = Date.now();

    // Usage: the key's four authenticated requests (the refused one too), counted in memory.
    const requests = async () => {
      const rows = await server.query<{ n: number | null }[]>(
        'SELECT SUM(requests) AS n FROM api_key_usage WHERE key_id = ?',
        [key.id],
        'test',
      );
      return Number(rows[0].n ?? 0);
    };
    await msUntil(backAt, async () => (await requests()) === 4);
    const denied = async () => {
      const rows = await server.query<{ n: number }[]>(
        'SELECT COUNT(*) AS n FROM audit_events WHERE organization_id = ? AND action = ?',
        [user.organizationId, 'authorization.denied'],
        'test',
      );
      return Number(rows[0].n);
    };
    await msUntil(backAt, async () => (await denied()) === 1);
    await msUntil(backAt, async () => (await statusOf(asKey(key.key))) === 200);
    await msUntil(backAt, async () => (await statusOf(asUser)) === 200);
    const verified = await request(t.http).get('/v1/audit-logs/verify').set(asUser).expect(200);
    expect(verified.body).toEqual(expect.objectContaining({ valid: true }));
  }, 120_000);

  it('never answers stale past a revoke, a logout, a role or a plan change that reached the instance', async () => {
    const { user: owner, key: kept } = await userWithKey(t, 'kept');
    const ownerToken = bearer(owner.accessToken);
    const revokedHere = await createApiKey(t, ownerToken, {
      name: 'revoked here',
      scopes: ['translate:read'],
    });
    const revokedElsewhere = await createApiKey(t, ownerToken, {
      name: 'revoked elsewhere',
      scopes: ['translate:read'],
    });
    const loggedOutHere = await createUser(t, 'logged-out');
    const otherSession = await login(t, loggedOutHere.email, loggedOutHere.password);
    const { user: demoted, key: demotedKey } = await userWithKey(t, 'demoted');
    const { user: replanned, key: replannedKey } = await userWithKey(t, 'replanned');
    const credentials = {
      kept: asKey(kept.key),
      revokedHere: asKey(revokedHere.key),
      revokedElsewhere: asKey(revokedElsewhere.key),
      loggedOutHere: bearer(loggedOutHere.accessToken),
      loggedOutElsewhere: bearer(otherSession.access_token),
      demoted: asKey(demotedKey.key),
      replanned: asKey(replannedKey.key),
    };
    for (const headers of Object.values(credentials)) await verify(headers).expect(200);
    // Changes made on this instance while the database is up drop the entries at once.
    await request(t.http).delete(`/v1/api-keys/${revokedHere.id}`).set(ownerToken).expect(204);
    await request(t.http).post('/v1/auth/logout').set(credentials.loggedOutHere).expect(204);

    await server.kill();
    const statuses: Record<string, number> = {};
    try {
      clock.advance(LONGEST_CACHE_LIFETIME_MS + 1000);
      // Changes another instance made, reaching this one over Redis while its own database is
      // out of reach (as InvalidationCatchUp or a Redis message applies them): the stale copies go.
      const bus = t.app.get(CacheInvalidationBus);
      bus.applyHere({ kind: 'api_key', id: revokedElsewhere.id });
      bus.applyHere({ kind: 'session', id: sessionOf(otherSession.access_token) });
      bus.applyHere({
        kind: 'membership',
        userId: demoted.userId,
        organizationId: demoted.organizationId,
      });
      bus.applyHere({ kind: 'organization', id: replanned.organizationId });
      for (const [name, headers] of Object.entries(credentials)) {
        statuses[name] = await statusOf(headers);
      }
    } finally {
      await server.restart();
    }
    expect(statuses).toEqual({
      kept: 200,
      revokedHere: 503,
      revokedElsewhere: 503,
      loggedOutHere: 503,
      loggedOutElsewhere: 503,
      demoted: 503,
      replanned: 503,
    });
    const backAt = Date.now();
    await msUntil(backAt, async () => (await statusOf(credentials.kept)) === 200);
    expect(await statusOf(credentials.revokedHere)).toBe(401);
    expect(await statusOf(credentials.loggedOutHere)).toBe(401);
  }, 120_000);
});

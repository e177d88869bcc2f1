import Redis from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/time/clock';
import { ApiKeyUsageRecorder } from '../../src/modules/api-keys/api-key-usage.recorder';
import { ApiKeysRepository } from '../../src/modules/api-keys/api-keys.repository';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { asKey, bearer, createApiKey, CreatedKey, userWithKey } from '../utils/api-keys';
import { redisOf, twoInstances } from '../utils/cluster';
import { createTestApp, TestApp } from '../utils/create-app';
import { createUser, TestUser } from '../utils/factories';
import { ownDatabase } from '../utils/own-database';
import {
  describeWithRedisServer,
  describeWithSharedRedis,
  DisposableRedis,
  TEST_REDIS_URL,
} from '../utils/redis';
import { TestClock } from '../utils/test-clock';
import { testDatabaseUrl } from '../utils/test-env';

const DAY_MS = 86_400_000;
const NO_CREDITS = { detail: 'API key has no remaining credits', code: 'no_remaining_credits' };

const verify = (t: TestApp, key: CreatedKey) =>
  request(t.http).get('/v1/auth/verify').set(asKey(key.key));

/** Verifies `key` on each instance in turn; answers the statuses. */
async function statuses(instances: TestApp[], key: CreatedKey): Promise<number[]> {
  const seen: number[] = [];
  for (const instance of instances) seen.push((await verify(instance, key)).status);
  return seen;
}

const keyOf = (t: TestApp, user: TestUser, id: string) =>
  request(t.http).get(`/v1/api-keys/${id}`).set(bearer(user.accessToken));

const patchKey = (t: TestApp, user: TestUser, id: string, body: Record<string, unknown>) =>
  request(t.http).patch(`/v1/api-keys/${id}`).set(bearer(user.accessToken)).send(body);

/** The credits the database holds for a key (written behind the requests). */
async function storedRemaining(t: TestApp, id: string): Promise<number | null> {
  const rows: { remaining: number | null }[] = await t.app
    .get(DataSource)
    .query('SELECT remaining FROM api_keys WHERE id = ?', [id]);
  return rows[0].remaining;
}

/** Milliseconds from the clock's now to one second past the next midnight UTC. */
const untilAfterMidnight = (clock: TestClock) => DAY_MS - (clock.now() % DAY_MS) + 1_000;

/** One database for apps started one after the other (MariaDB in CI's second run, else a file). */
const sharedDatabase = () =>
  testDatabaseUrl()
    ? {}
    : { SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'tessera-credits-')), 'shared.sqlite') };

describe('API key credits (one instance, counted in memory)', () => {
  let t: TestApp;
  let clock: TestClock;
  let owner: TestUser;
  beforeAll(async () => {
    clock = TestClock.atStartOfNextHour();
    // Of its own: the clock moves a month on, by which the app's OAuth pruning job would delete
    // every other suite's codes and refresh tokens.
    t = await createTestApp(ownDatabase('api_key_credits'), { clock });
    owner = await createUser(t, 'credits-owner');
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const newKey = (body: Record<string, unknown>) =>
    createApiKey(t, bearer(owner.accessToken), { name: 'c', scopes: ['translate:read'], ...body });

  it('spends one credit per request: 200 three times with what is left, then 429 without counting it', async () => {
    const key = await newKey({ remaining: 3 });
    expect(key).toMatchObject({ remaining: 3, refill: null, last_refill_at: null });
    for (const left of [2, 1, 0]) {
      const answer = await verify(t, key).expect(200);
      expect(answer.body.remaining).toBe(left);
    }
    const refused = await verify(t, key).expect(429);
    expect(refused.body).toEqual(NO_CREDITS);
    // Nothing will refill it: no time to come back at.
    expect(refused.headers['retry-after']).toBeUndefined();
    await verify(t, key).expect(429);
    expect((await keyOf(t, owner, key.id).expect(200)).body.remaining).toBe(0);
  });

  it('leaves a key without credits alone: unlimited, and said so', async () => {
    const key = await newKey({});
    expect(key).toMatchObject({ remaining: null, refill: null, last_refill_at: null });
    for (let i = 0; i < 5; i++) {
      expect((await verify(t, key).expect(200)).body.remaining).toBeNull();
    }
    const explicit = await newKey({ remaining: null });
    expect(explicit.remaining).toBeNull();
    await verify(t, explicit).expect(200);
  });

  it('refills at the start of the next UTC day (Retry-After says when), and shows when it did', async () => {
    const key = await newKey({ remaining: 1, refill: { interval: 'daily', amount: 2 } });
    expect(key).toMatchObject({
      remaining: 1,
      refill: { interval: 'daily', amount: 2, refill_day: null },
    });
    await verify(t, key).expect(200);
    const refused = await verify(t, key).expect(429);
    expect(refused.body).toEqual(NO_CREDITS);
    const midnight = clock.now() - (clock.now() % DAY_MS) + DAY_MS;
    expect(Number(refused.headers['retry-after'])).toBe(Math.ceil((midnight - clock.now()) / 1000));

    clock.advance(untilAfterMidnight(clock));
    expect((await verify(t, key).expect(200)).body.remaining).toBe(1);
    expect((await verify(t, key).expect(200)).body.remaining).toBe(0);
    await verify(t, key).expect(429);
    const shown = (await keyOf(t, owner, key.id).expect(200)).body;
    expect(shown).toMatchObject({ remaining: 0, last_refill_at: new Date(midnight).toISOString() });
  });

  it('shows a refill due on a key nobody used since, and starts an unlimited key with a refill at its amount', async () => {
    const key = await newKey({ refill: { interval: 'monthly', amount: 50, refill_day: 15 } });
    expect(key).toMatchObject({
      remaining: 50,
      refill: { interval: 'monthly', amount: 50, refill_day: 15 },
    });
    await verify(t, key).expect(200);
    clock.advance(32 * DAY_MS);
    expect((await keyOf(t, owner, key.id).expect(200)).body.remaining).toBe(50);
  });

  it('PATCH remaining sets the balance anew at once, and is audited like any change', async () => {
    const key = await newKey({ remaining: 1 });
    await verify(t, key).expect(200);
    await verify(t, key).expect(429);
    const patched = await patchKey(t, owner, key.id, { remaining: 2 }).expect(200);
    expect(patched.body.remaining).toBe(2);
    expect((await verify(t, key).expect(200)).body.remaining).toBe(1);
    await patchKey(t, owner, key.id, { refill: { interval: 'daily', amount: 5 } }).expect(200);
    // The refill alone keeps the balance counting now.
    expect((await keyOf(t, owner, key.id).expect(200)).body.remaining).toBe(1);
    const unlimited = await patchKey(t, owner, key.id, { remaining: null }).expect(200);
    expect(unlimited.body).toMatchObject({ remaining: null, refill: null, last_refill_at: null });
    for (let i = 0; i < 3; i++) await verify(t, key).expect(200);

    await t.app.get(AuditWriter).drain();
    const events = await request(t.http)
      .get(`/v1/audit-logs?action=api_key.updated&target_id=${key.id}`)
      .set(bearer(owner.accessToken))
      .expect(200);
    expect(events.body.data.map((event: { metadata: unknown }) => event.metadata)).toEqual([
      { changed: ['remaining', 'refill'], remaining: null, refill: null },
      { changed: ['refill'], refill: { interval: 'daily', amount: 5, refill_day: null } },
      { changed: ['remaining'], remaining: 2 },
    ]);
  });

  it('PATCH refill alone keeps the balance as it stands: no refill for a period begun before it, one due under the old refill kept', async () => {
    // Set two days ago: the new daily refill must not count today as a period the balance
    // missed, so it stays at what was left until the next midnight.
    const key = await newKey({ remaining: 3 });
    await verify(t, key).expect(200);
    clock.advance(2 * DAY_MS);
    const patched = await patchKey(t, owner, key.id, {
      refill: { interval: 'daily', amount: 10 },
    }).expect(200);
    expect(patched.body).toMatchObject({
      remaining: 2,
      refill: { interval: 'daily', amount: 10, refill_day: null },
      last_refill_at: new Date(clock.now()).toISOString(),
    });
    expect((await verify(t, key).expect(200)).body.remaining).toBe(1);
    clock.advance(untilAfterMidnight(clock));
    expect((await verify(t, key).expect(200)).body.remaining).toBe(9);

    // Spent out, then a midnight passes: the old refill (10) is due when the amount changes, and
    // the new amount (4) comes the midnight after.
    for (let i = 9; i > 0; i--) await verify(t, key).expect(200);
    await verify(t, key).expect(429);
    clock.advance(untilAfterMidnight(clock));
    await patchKey(t, owner, key.id, { refill: { interval: 'daily', amount: 4 } }).expect(200);
    expect((await keyOf(t, owner, key.id).expect(200)).body.remaining).toBe(10);
    expect((await verify(t, key).expect(200)).body.remaining).toBe(9);
    // The same refill again changes nothing: the balance is not set anew.
    const setAt = (await keyOf(t, owner, key.id).expect(200)).body.last_refill_at;
    clock.advance(1_000);
    await patchKey(t, owner, key.id, { refill: { interval: 'daily', amount: 4 } }).expect(200);
    expect((await keyOf(t, owner, key.id).expect(200)).body.last_refill_at).toBe(setAt);
    clock.advance(untilAfterMidnight(clock));
    expect((await verify(t, key).expect(200)).body.remaining).toBe(3);

    // Stopping the refill keeps the count; nothing refills it after.
    await patchKey(t, owner, key.id, { refill: null }).expect(200);
    clock.advance(untilAfterMidnight(clock));
    expect((await keyOf(t, owner, key.id).expect(200)).body).toMatchObject({
      remaining: 3,
      refill: null,
    });
  });

  it('gives the credit back to a request the route then refuses (403): it was not served', async () => {
    const key = await newKey({ remaining: 2 });
    const refused = await request(t.http).get('/v1/models').set(asKey(key.key)).expect(403);
    expect(refused.body.detail).toBe('Missing scope: models:read');
    expect((await keyOf(t, owner, key.id).expect(200)).body.remaining).toBe(2);
  });

  it('refuses credits out of range, a refill without a balance and refill_day on a daily refill (422)', async () => {
    const refusals: [Record<string, unknown>, (string | number)[]][] = [
      [{ remaining: -1 }, ['body', 'remaining']],
      [{ remaining: 1.5 }, ['body', 'remaining']],
      [{ remaining: 2 ** 31 }, ['body', 'remaining']],
      [{ remaining: '3' }, ['body', 'remaining']],
      [{ refill: { interval: 'weekly', amount: 5 } }, ['body', 'refill', 'interval']],
      [{ refill: { interval: 'daily', amount: 0 } }, ['body', 'refill', 'amount']],
      [
        { refill: { interval: 'daily', amount: 5, refill_day: 3 } },
        ['body', 'refill', 'refill_day'],
      ],
      [
        { refill: { interval: 'monthly', amount: 5, refill_day: 32 } },
        ['body', 'refill', 'refill_day'],
      ],
      [{ refill: { interval: 'daily', amount: 5, every: 2 } }, ['body', 'refill', 'every']],
      [{ refill: 'daily' }, ['body', 'refill']],
    ];
    for (const [body, loc] of refusals) {
      const answer = await request(t.http)
        .post('/v1/api-keys')
        .set(bearer(owner.accessToken))
        .send({ name: 'bad', scopes: ['translate:read'], ...body })
        .expect(422);
      expect(answer.body.detail.map((issue: { loc: unknown }) => issue.loc)).toContainEqual(loc);
    }
    const key = await newKey({ remaining: 1 });
    const contradiction = await patchKey(t, owner, key.id, {
      remaining: null,
      refill: { interval: 'daily', amount: 5 },
    }).expect(422);
    expect(contradiction.body.detail[0].loc).toEqual(['body', 'refill']);
  });

  it('never lets a key set its own credits, nor a key with credits set any or make keys (403); a key without credits may', async () => {
    const manager = await newKey({ scopes: ['api_keys:write', 'translate:read'], remaining: 5 });
    const refused = await request(t.http)
      .patch(`/v1/api-keys/${manager.id}`)
      .set(asKey(manager.key))
      .send({ remaining: 1000 })
      .expect(403);
    expect(refused.body).toEqual({
      detail: 'An API key cannot change its own credits',
      code: 'own_credits',
    });
    // Nor, with credits of its own, any other key's, nor a key of its own making (unlimited).
    const other = await newKey({ remaining: 0 });
    const escalation = {
      detail: expect.stringMatching(/^An API key with usage credits cannot/),
      code: 'credits_escalation',
    };
    const raised = await request(t.http)
      .patch(`/v1/api-keys/${other.id}`)
      .set(asKey(manager.key))
      .send({ remaining: 1 })
      .expect(403);
    expect(raised.body).toEqual(escalation);
    const minted = await request(t.http)
      .post('/v1/api-keys')
      .set(asKey(manager.key))
      .send({ name: 'escape', scopes: ['translate:read'] })
      .expect(403);
    expect(minted.body).toEqual(escalation);
    // A key without credits manages them like its user would.
    const unlimitedManager = await newKey({ scopes: ['api_keys:write', 'translate:read'] });
    await request(t.http)
      .patch(`/v1/api-keys/${other.id}`)
      .set(asKey(unlimitedManager.key))
      .send({ remaining: 1 })
      .expect(200);
    await verify(t, other).expect(200);
  });

  it('keeps one balance across a rotation: the old key in its grace period and the new one spend it together', async () => {
    const old = await newKey({ remaining: 3, refill: { interval: 'daily', amount: 3 } });
    await verify(t, old).expect(200);
    const rotated = await request(t.http)
      .post(`/v1/api-keys/${old.id}/rotate`)
      .set(bearer(owner.accessToken))
      .send({})
      .expect(201);
    const replacement = rotated.body as CreatedKey;
    expect(replacement).toMatchObject({
      remaining: 2,
      refill: { interval: 'daily', amount: 3, refill_day: null },
    });
    expect((await verify(t, replacement).expect(200)).body.remaining).toBe(1);
    expect((await verify(t, old).expect(200)).body.remaining).toBe(0);
    await verify(t, replacement).expect(429);
    await verify(t, old).expect(429);
    // Setting the new key's balance sets the old one's: they are one balance.
    await patchKey(t, owner, replacement.id, { remaining: 1 }).expect(200);
    expect((await keyOf(t, owner, old.id).expect(200)).body.remaining).toBe(1);
    await verify(t, old).expect(200);
    await verify(t, replacement).expect(429);
  });

  it('writes spent credits to the database: taken from the balance, from a refill not yet recorded, never below 0, on both keys of a rotation, never on a replaced balance', async () => {
    const keys = t.app.get(ApiKeysRepository);
    const stored = async (id: string) => (await keys.findInOrganization(owner.organizationId, id))!;
    const plain = await newKey({ remaining: 10 });
    const refilled = await newKey({ remaining: 1, refill: { interval: 'daily', amount: 5 } });
    const rotated = await newKey({ remaining: 8 });
    const replacement = (
      await request(t.http)
        .post(`/v1/api-keys/${rotated.id}/rotate`)
        .set(bearer(owner.accessToken))
        .send({})
        .expect(201)
    ).body as CreatedKey;
    const setAt = async (id: string) => (await stored(id)).lastRefillAt!.getTime();
    const plainAt = await setAt(plain.id);
    const refilledAt = await setAt(refilled.id);
    const nextDay = refilledAt - (refilledAt % DAY_MS) + DAY_MS;
    const spent = (key: CreatedKey, at: number, count: number, version = 0) => ({
      counterId: key.id,
      version,
      setAt: at,
      spent: count,
    });
    await keys.writeUsage(
      [],
      [],
      [
        spent(plain, plainAt, 3),
        spent(plain, plainAt, 5, 1), // of a version the database never had: dropped
        spent(refilled, refilledAt, 1),
        spent(refilled, nextDay, 2), // the next day's refill, then 2 of it
        spent(rotated, await setAt(rotated.id), 100),
      ],
    );
    expect((await stored(plain.id)).remaining).toBe(7);
    expect(await stored(refilled.id)).toMatchObject({
      remaining: 3,
      lastRefillAt: new Date(nextDay),
    });
    expect((await stored(rotated.id)).remaining).toBe(0);
    expect((await stored(replacement.id)).remaining).toBe(0);
    // A delta of the day before the refill the database recorded: nothing left to take it from.
    await keys.writeUsage([], [], [spent(refilled, refilledAt, 2)]);
    expect((await stored(refilled.id)).remaining).toBe(3);
  });

  it('keeps one tenant’s key credits from another: not shown, not set', async () => {
    const key = await newKey({ remaining: 7 });
    const stranger = await createUser(t, 'credits-stranger');
    await keyOf(t, stranger, key.id).expect(404);
    await patchKey(t, stranger, key.id, { remaining: 1_000_000 }).expect(404);
    const theirs = await request(t.http)
      .get('/v1/api-keys')
      .set(bearer(stranger.accessToken))
      .expect(200);
    expect(theirs.body.data).toEqual([]);
    const listed = await request(t.http)
      .get('/v1/api-keys?limit=100')
      .set(bearer(owner.accessToken))
      .expect(200);
    expect(listed.body.data.find((k: { id: string }) => k.id === key.id)).toMatchObject({
      remaining: 7,
    });
    expect((await keyOf(t, owner, key.id).expect(200)).body.remaining).toBe(7);
  });
});

describe('API key credits and rate limits', () => {
  let t: TestApp;
  let owner: TestUser;
  beforeAll(async () => {
    t = await createTestApp(
      { RATE_LIMITS_ENABLED: 'true' },
      { clock: TestClock.atStartOfNextHour() },
    );
    owner = await createUser(t, 'credits-limits');
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  it('a credit-less request uses none of the hourly limit, and a rate-limited one spends no credit', async () => {
    const key = await createApiKey(t, bearer(owner.accessToken), {
      name: 'limited',
      scopes: ['translate:read'],
      rate_limit_per_hour: 10,
      remaining: 2,
    });
    expect(await statuses([t, t], key)).toEqual([200, 200]);
    for (let i = 0; i < 5; i++) expect((await verify(t, key).expect(429)).body).toEqual(NO_CREDITS);
    await patchKey(t, owner, key.id, { remaining: 100 }).expect(200);
    // 2 counted so far: 8 more make the hour's 10, the 5 refused for credits were not counted.
    for (let i = 0; i < 8; i++) await verify(t, key).expect(200);
    const limited = await verify(t, key).expect(429);
    expect(limited.body.detail).toMatch(/^Rate limit exceeded/);
    expect((await keyOf(t, owner, key.id).expect(200)).body.remaining).toBe(92);
  });
});

describe('API key credits across a restart (counted in memory, written behind)', () => {
  it('hands out no credit twice: what was spent is written at shutdown and read at start', async () => {
    const shared = sharedDatabase();
    const clock = TestClock.atStartOfNextHour();
    const first = await createTestApp(shared, { clock });
    const { user, key } = await userWithKey(first, 'credits-restart', { remaining: 3 });
    try {
      expect(await statuses([first, first], key)).toEqual([200, 200]);
    } finally {
      await first.close();
    }
    const second = await createTestApp(shared, { clock });
    try {
      expect(await storedRemaining(second, key.id)).toBe(1);
      expect(await statuses([second, second], key)).toEqual([200, 429]);
      expect((await keyOf(second, user, key.id).expect(200)).body.remaining).toBe(0);
      expect(second.logs.serverErrors()).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

describeWithSharedRedis('API key credits on two instances sharing Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let clock: TestClock;
  let redis: Redis;
  beforeAll(async () => {
    // Of their own (the one the first suite here has closed by then): the clock moves to the
    // next midnight UTC, a day and an hour on when run in the hour before it, by which their
    // OAuth pruning job would delete every other suite's codes.
    [a, b] = await twoInstances({ ...ownDatabase('api_key_credits'), REDIS_URL: TEST_REDIS_URL });
    clock = a.app.get(Clock) as TestClock;
    await redisOf([a, b], 'up', 5000);
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    redis.disconnect();
    expect([...a.logs.serverErrors(), ...b.logs.serverErrors()]).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('answers 200 three times and 429 the fourth, whichever instance each request reaches', async () => {
    const { key } = await userWithKey(a, 'credits-cluster', { remaining: 3 });
    expect(await statuses([a, b, a, b], key)).toEqual([200, 200, 200, 429]);
    expect((await verify(a, key).expect(429)).body).toEqual(NO_CREDITS);
  });

  it('spends exactly the balance when both instances are asked at once', async () => {
    const { key } = await userWithKey(a, 'credits-race', { remaining: 10 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => verify(i % 2 ? a : b, key)),
    );
    const counted = answers.map((answer) => answer.status).sort();
    expect(counted.filter((status) => status === 200)).toHaveLength(10);
    expect(counted.filter((status) => status === 429)).toHaveLength(20);
  });

  it('refills on both at the start of the next day (the clock both share)', async () => {
    const { key } = await userWithKey(a, 'credits-refill', {
      remaining: 0,
      refill: { interval: 'daily', amount: 2 },
    });
    expect(await statuses([a, b], key)).toEqual([429, 429]);
    clock.advance(untilAfterMidnight(clock));
    expect(await statuses([b, a, b], key)).toEqual([200, 200, 429]);
  });

  it('PATCH remaining through one instance restores the key on both at once', async () => {
    const { user, key } = await userWithKey(a, 'credits-patch', { remaining: 1 });
    expect(await statuses([a, b], key)).toEqual([200, 429]);
    await patchKey(a, user, key.id, { remaining: 2 }).expect(200);
    expect(await statuses([b, a, b], key)).toEqual([200, 200, 429]);
    expect((await keyOf(b, user, key.id).expect(200)).body.remaining).toBe(0);
  });

  it('PATCH refill alone through one instance keeps what both spent and refills from the next period', async () => {
    const { user, key } = await userWithKey(a, 'credits-refill-patch', { remaining: 5 });
    expect(await statuses([a, b, a], key)).toEqual([200, 200, 200]);
    clock.advance(2 * DAY_MS);
    const patched = await patchKey(b, user, key.id, { refill: { interval: 'daily', amount: 3 } });
    expect(patched.status).toBe(200);
    expect(patched.body.remaining).toBe(2);
    // What both spent before is written to the new balance's row, not given back.
    await flushBoth();
    expect(await storedRemaining(a, key.id)).toBe(2);
    expect(await statuses([a, b, a], key)).toEqual([200, 200, 429]);
    clock.advance(untilAfterMidnight(clock));
    expect(await statuses([b, a, b, a], key)).toEqual([200, 200, 200, 429]);
    await flushBoth();
    expect(await storedRemaining(a, key.id)).toBe(0);
  });

  it('gives back no credit spent while a refill changes: what was served and what is left add up to the balance', async () => {
    const { user, key } = await userWithKey(a, 'credits-refill-race', { remaining: 10_000 });
    // Spending on both instances without a pause, before, during and after the change.
    let changed = false;
    let served = 0;
    const spendUntilChanged = async (instance: TestApp) => {
      for (let after = 0; after < 5; after += changed ? 1 : 0) {
        expect((await verify(instance, key)).status).toBe(200);
        served += 1;
      }
    };
    const spenders = [a, b, a, b].map(spendUntilChanged);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await patchKey(a, user, key.id, { refill: { interval: 'monthly', amount: 500 } }).expect(200);
    changed = true;
    await Promise.all(spenders);
    expect((await keyOf(b, user, key.id).expect(200)).body.remaining).toBe(10_000 - served);
    await flushBoth();
    expect(await storedRemaining(a, key.id)).toBe(10_000 - served);
  });

  it('leaves a key without credits alone, and shows each key its own balance', async () => {
    const { key: unlimited } = await userWithKey(a, 'credits-none');
    const { user, key } = await userWithKey(b, 'credits-some', { remaining: 5 });
    expect(await statuses([a, b, a, b, a, b], unlimited)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await redis.exists(`tessera:credits:${unlimited.id}`)).toBe(0);
    await verify(a, key).expect(200);
    await keyOf(a, user, unlimited.id).expect(404);
    expect((await keyOf(a, user, key.id).expect(200)).body.remaining).toBe(4);
  });

  /** One after the other: two apps on one SQLite file would wait on each other's write lock. */
  const flushBoth = async () => {
    await a.app.get(ApiKeyUsageRecorder).flush();
    await b.app.get(ApiKeyUsageRecorder).flush();
  };

  it('writes what was spent to the database, so losing Redis hands out no credit again', async () => {
    const { key } = await userWithKey(a, 'credits-written', { remaining: 3 });
    expect(await statuses([a, b], key)).toEqual([200, 200]);
    await flushBoth();
    expect(await storedRemaining(a, key.id)).toBe(1);
    // Redis forgets the balance (a restart without persistence), and each instance's cached key
    // (the seed it would give Redis) is over a minute old: the database's balance is what counts.
    await redis.del(`tessera:credits:${key.id}`);
    clock.advance(61_000);
    expect(await statuses([b, a], key)).toEqual([200, 429]);
    await flushBoth();
    expect(await storedRemaining(b, key.id)).toBe(0);
  });
});

describeWithRedisServer('API key credits while Redis is down', () => {
  it('refuses a key with credits (503, fail closed) and lets a key without them through', async () => {
    const disposable = new DisposableRedis();
    await disposable.start();
    const clock = TestClock.atStartOfNextHour();
    const t = await createTestApp({ REDIS_URL: disposable.url }, { clock });
    try {
      await redisOf([t], 'up', 5000);
      const { key: limited } = await userWithKey(t, 'credits-outage', { remaining: 5 });
      const { key: unlimited } = await userWithKey(t, 'credits-outage-none');
      const { user, key: refilled } = await userWithKey(t, 'credits-outage-refill', {
        remaining: 5,
      });
      await verify(t, limited).expect(200);
      await disposable.stop();
      await redisOf([t], 'down', 5000);
      const refused = await verify(t, limited).expect(503);
      expect(refused.body).toEqual({ detail: 'Service unavailable', code: 'unavailable' });
      await verify(t, unlimited).expect(200);
      // Carrying the balance over into a new refill needs its live count: the stored one would
      // give back what was spent since the last flush.
      const refill = { refill: { interval: 'daily', amount: 5 } };
      expect((await patchKey(t, user, refilled.id, refill).expect(503)).body.code).toBe(
        'unavailable',
      );
      expect((await keyOf(t, user, refilled.id).expect(200)).body.refill).toBeNull();
      // The new Redis holds nothing: once the cached key is a minute old, the balance comes
      // from the database, where the credit spent before the outage was written.
      await t.app.get(ApiKeyUsageRecorder).flush();
      await disposable.start();
      await redisOf([t], 'up', 10_000);
      clock.advance(61_000);
      expect((await verify(t, limited).expect(200)).body.remaining).toBe(3);
    } finally {
      await t.close();
      await disposable.stop();
    }
  });
});

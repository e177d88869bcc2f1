import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisCreditCounters } from '../../src/modules/api-keys/credits/redis-credit-counters';
import { countScriptRuns, describeWithSharedRedis, TEST_REDIS_URL } from '../utils/redis';

/**
 * Credit balances in real Redis: the spends of one event-loop turn go in one script run, each
 * decided in order as if it ran alone (the two-instance behaviour is in api-key-credits.e2e-spec).
 */
describeWithSharedRedis('RedisCreditCounters on Redis', () => {
  let redis: Redis;
  let scripts: ReturnType<typeof countScriptRuns>;
  const SET_AT = Date.UTC(2026, 11, 7);
  const noRefill = null;

  const used: string[] = [];
  /** A balance of this suite's own, removed from Redis afterwards. */
  const balanceId = () => {
    const id = randomUUID();
    used.push(id);
    return id;
  };

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true });
    // Loads the script into Redis, so each run below is one EVALSHA.
    await new RedisCreditCounters(redis).spend(
      balanceId(),
      1,
      { remaining: 1, setAt: SET_AT },
      noRefill,
    );
    scripts = countScriptRuns(redis);
  });
  afterAll(async () => {
    await redis.del(...used.map((id) => `tessera:credits:${id}`));
    await redis.quit();
  });
  beforeEach(() => scripts.reset());

  it('spends a turn’s credits in one script run, in order, never below zero', async () => {
    const counters = new RedisCreditCounters(redis);
    const [balance, other] = [balanceId(), balanceId()];
    const seed = { remaining: 3, setAt: SET_AT };
    const spends = await Promise.all([
      ...Array.from({ length: 5 }, () => counters.spend(balance, 1, seed, noRefill)),
      counters.spend(other, 1, { remaining: 1, setAt: SET_AT }, noRefill),
    ]);
    expect(scripts.runs()).toBe(1);
    expect(spends.map(({ spent }) => spent)).toEqual([true, true, true, false, false, true]);
    expect(spends.map(({ remaining }) => remaining)).toEqual([2, 1, 0, 0, 0, 0]);
    // The seed counted once: later spends of the turn spent from what the first left.
    expect((await counters.spend(balance, 1, seed, noRefill)).spent).toBe(false);
  });

  it('refills a balance once per period, whichever spend of the turn comes first', async () => {
    const counters = new RedisCreditCounters(redis);
    const balance = balanceId();
    const seed = { remaining: 0, setAt: SET_AT };
    const refill = { periodStart: SET_AT + 86_400_000, amount: 2 };
    const spends = await Promise.all(
      Array.from({ length: 3 }, () => counters.spend(balance, 1, seed, refill)),
    );
    expect(scripts.runs()).toBe(1);
    expect(spends.map(({ spent }) => spent)).toEqual([true, true, false]);
    expect(spends.every(({ setAt }) => setAt === refill.periodStart)).toBe(true);
  });

  it('splits a turn of more spends than one run takes, spending exactly the balance', async () => {
    const counters = new RedisCreditCounters(redis);
    const balance = balanceId();
    const seed = { remaining: 240, setAt: SET_AT };
    const spends = await Promise.all(
      Array.from({ length: 250 }, () => counters.spend(balance, 1, seed, noRefill)),
    );
    expect(scripts.runs()).toBe(2); // 200 and 50
    expect(spends.filter(({ spent }) => spent)).toHaveLength(240);
    expect(spends.slice(240).every(({ spent }) => !spent)).toBe(true);
  });
});

import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisWindowCounters } from '../../src/modules/rate-limits/redis-window-counters';
import { countScriptRuns, describeWithSharedRedis, TEST_REDIS_URL } from '../utils/redis';

/**
 * The rate-limit counters in real Redis: the requests of one event-loop turn go in one script
 * run, and each is still decided as if it ran alone, in arrival order.
 */
describeWithSharedRedis('RedisWindowCounters on Redis', () => {
  let redis: Redis;
  let scripts: ReturnType<typeof countScriptRuns>;
  const counterKey = () => `test:window-counters:${randomUUID()}`;

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true });
    // Loads the script into Redis, so each run below is one EVALSHA.
    await new RedisWindowCounters(redis).countRequest([counterKey()], [1_000], [1]);
    scripts = countScriptRuns(redis);
  });
  afterAll(() => redis.quit());
  beforeEach(() => scripts.reset());

  it('counts the requests of one turn in one script run, each as if it ran alone', async () => {
    const counters = new RedisWindowCounters(redis);
    const key = counterKey();
    const counted = await Promise.all(
      Array.from({ length: 5 }, () => counters.countRequest([key], [60_000], [3])),
    );
    expect(scripts.runs()).toBe(1);
    expect(counted.map(({ refused }) => refused)).toEqual([false, false, false, true, true]);
    expect(counted.map(({ counters: [state] }) => state.hits)).toEqual([1, 2, 3, 3, 3]);
    for (const {
      counters: [state],
    } of counted) {
      expect(state.msLeft).toBeGreaterThan(55_000);
      expect(state.msLeft).toBeLessThanOrEqual(60_000);
    }
    // Refused requests are counted nowhere.
    expect(await redis.get(key)).toBe('3');
  });

  it('counts nothing of a request one of whose counters is at its limit, in the same run as others', async () => {
    const counters = new RedisWindowCounters(redis);
    const [roomy, full, other] = [counterKey(), counterKey(), counterKey()];
    await redis.set(full, '2', 'PX', 60_000);
    scripts.reset();
    const [both, alone, third] = await Promise.all([
      counters.countRequest([roomy, full], [60_000, 60_000], [10, 2]),
      counters.countRequest([roomy], [60_000], [10]),
      counters.countRequest([other, roomy], [30_000, 60_000], [1, 10]),
    ]);
    expect(scripts.runs()).toBe(1);
    expect(both).toEqual({
      refused: true,
      counters: [
        { hits: 0, msLeft: 60_000 },
        { hits: 2, msLeft: expect.any(Number) },
      ],
    });
    expect(alone.refused).toBe(false);
    expect(alone.counters[0].hits).toBe(1);
    expect(third.refused).toBe(false);
    expect(third.counters.map(({ hits }) => hits)).toEqual([1, 2]);
    expect(await redis.mget(roomy, full, other)).toEqual(['2', '2', '1']);
    // Every counter expires: none lives past its window.
    expect(await redis.pttl(other)).toBeLessThanOrEqual(30_000);
    expect(await redis.pttl(other)).toBeGreaterThan(0);
  });

  it('counts requests of later turns in runs of their own', async () => {
    const counters = new RedisWindowCounters(redis);
    const key = counterKey();
    expect((await counters.countRequest([key], [60_000], [5])).counters[0].hits).toBe(1);
    expect((await counters.countRequest([key], [60_000], [5])).counters[0].hits).toBe(2);
    expect(scripts.runs()).toBe(2);
  });

  it('splits a turn of more requests than one run takes, counting every one', async () => {
    const counters = new RedisWindowCounters(redis);
    const key = counterKey();
    const counted = await Promise.all(
      Array.from({ length: 450 }, () => counters.countRequest([key], [60_000], [400])),
    );
    expect(counted.filter(({ refused }) => !refused)).toHaveLength(400);
    expect(counted.slice(400).every(({ refused }) => refused)).toBe(true);
    expect(scripts.runs()).toBe(3); // 200, 200 and 50
    expect(await redis.get(key)).toBe('400');
  });

  it('fails every request of a run Redis refuses, so each falls back to counting locally', async () => {
    // A client that never connects, as an instance's while Redis is down (no offline queue).
    const broken = new Redis(TEST_REDIS_URL, { lazyConnect: true, enableOfflineQueue: false });
    broken.on('error', () => undefined);
    const counters = new RedisWindowCounters(broken);
    const results = await Promise.allSettled([
      counters.countRequest([counterKey()], [60_000], [5]),
      counters.countRequest([counterKey()], [60_000], [5]),
    ]);
    expect(results.map(({ status }) => status)).toEqual(['rejected', 'rejected']);
    broken.disconnect();
  });

  it('refuses a request with a limit that is not a whole number by itself, counting the others', async () => {
    const counters = new RedisWindowCounters(redis);
    const key = counterKey();
    const [bad, good] = await Promise.allSettled([
      counters.countRequest([key], [60_000], [Number.NaN]),
      counters.countRequest([key], [60_000], [5]),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good).toEqual({
      status: 'fulfilled',
      value: expect.objectContaining({ refused: false }),
    });
    expect(await redis.get(key)).toBe('1');
  });
});

import { InvalidatableCache, LONGEST_CACHE_LIFETIME_MS } from './invalidatable-cache';
import { StalePolicy } from './stale-policy';

const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/** A policy on a clock the test moves, with a database the test takes down. */
function testPolicy(windowMs: number) {
  const state = { now: 1_000_000, down: false };
  const policy: StalePolicy = {
    windowMs,
    lifetimeClock: { now: () => state.now },
    databaseKnownDown: () => state.down,
    unreachable: (error) => (error as { code?: string }).code === 'ECONNREFUSED',
  };
  return { state, policy };
}

describe('InvalidatableCache', () => {
  it('caches a look-up and serves it until it is invalidated', async () => {
    const cache = new InvalidatableCache<string, number>({ max: 10 });
    const load = jest.fn(async () => 60);
    expect(await cache.getOrLoad('org', load)).toBe(60);
    expect(await cache.getOrLoad('org', load)).toBe(60);
    expect(load).toHaveBeenCalledTimes(1);
    cache.invalidate('org');
    expect(cache.get('org')).toBeUndefined();
  });

  it('does not cache a look-up that an invalidation overtook', async () => {
    const cache = new InvalidatableCache<string, number>({ max: 10 });
    let finish!: (value: number) => void;
    const during = cache.getOrLoad('org', () => new Promise((resolve) => (finish = resolve)));
    cache.invalidate('org'); // the plan changes while the old row is being read
    finish(60);
    expect(await during).toBe(60);
    expect(cache.get('org')).toBeUndefined();
    const generation = cache.generation();
    cache.invalidateWhere((value) => value === 1); // matches nothing, still a change
    expect(cache.setIfCurrent('org', 60, generation)).toBe(false);
  });

  it('neither caches an undefined answer nor counts an expiry as a change', async () => {
    const cache = new InvalidatableCache<string, number>({ max: 10 });
    expect(await cache.getOrLoad('gone', async () => undefined)).toBeUndefined();
    expect(cache.get('gone')).toBeUndefined();
    const generation = cache.generation();
    cache.delete('gone');
    expect(cache.setIfCurrent('org', 5, generation)).toBe(true);
    expect(cache.get('org')).toBe(5);
  });

  it('shares one load between concurrent misses of a key, but not one an invalidation overtook', async () => {
    const cache = new InvalidatableCache<string, number>({ max: 10 });
    const finishers: ((value: number) => void)[] = [];
    const load = jest.fn(() => new Promise<number>((resolve) => finishers.push(resolve)));
    const first = cache.getOrLoad('org', load);
    const second = cache.getOrLoad('org', load);
    expect(load).toHaveBeenCalledTimes(1);
    cache.invalidate('org'); // the plan changes while that read is in flight
    const third = cache.getOrLoad('org', load);
    expect(load).toHaveBeenCalledTimes(2);
    finishers[0](60);
    finishers[1](300);
    expect([await first, await second, await third]).toEqual([60, 60, 300]);
    expect(cache.get('org')).toBe(300);
  });

  describe('lifetime', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('keeps no entry longer than 60 s, whatever TTL was asked for (or none)', () => {
      expect(LONGEST_CACHE_LIFETIME_MS).toBe(60_000);
      const policy: StalePolicy = {
        windowMs: 0,
        lifetimeClock: { now: () => Date.now() }, // the faked one
        databaseKnownDown: () => false,
        unreachable: () => true,
      };
      const forever = new InvalidatableCache<string, number>({ max: 10 }, policy);
      const hourly = new InvalidatableCache<string, number>({ max: 10, ttl: 3_600_000 }, policy);
      forever.setIfCurrent('a', 1, forever.generation());
      hourly.setIfCurrent('b', 2, hourly.generation());
      hourly.setIfCurrent('c', 3, hourly.generation(), { ttl: 3_600_000 });
      hourly.setIfCurrent('d', 4, hourly.generation(), { ttl: 1000 });
      jest.advanceTimersByTime(1001);
      expect([forever.get('a'), hourly.get('b'), hourly.get('c'), hourly.get('d')]).toEqual([
        1,
        2,
        3,
        undefined,
      ]);
      jest.advanceTimersByTime(59_000);
      expect([forever.get('a'), hourly.get('b'), hourly.get('c')]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    });
  });

  describe('stale if error', () => {
    const failing = () => Promise.reject(unreachable);

    it('serves an entry that ran out while the database cannot be reached, for the window only', async () => {
      const { state, policy } = testPolicy(300_000);
      const cache = new InvalidatableCache<string, number>(
        { max: 10, ttl: 30_000, ttlResolution: 0 },
        policy,
      );
      expect(await cache.getOrLoad('org', async () => 60)).toBe(60);
      state.now += 30_001;
      // Fresh serving is unchanged: past its lifetime the entry misses.
      expect(cache.get('org')).toBeUndefined();
      expect(await cache.getOrLoad('org', failing)).toBe(60);
      state.now += 299_998; // ran out 299.999 s ago
      expect(await cache.getOrLoad('org', failing)).toBe(60);
      state.now += 1;
      await expect(cache.getOrLoad('org', failing)).rejects.toBe(unreachable);
    });

    it('asks the database again as soon as it answers, and serves nothing stale for other errors', async () => {
      const { state, policy } = testPolicy(300_000);
      const cache = new InvalidatableCache<string, number>(
        { max: 10, ttl: 30_000, ttlResolution: 0 },
        policy,
      );
      await cache.getOrLoad('org', async () => 60);
      state.now += 31_000;
      expect(await cache.getOrLoad('org', async () => 120)).toBe(120);
      state.now += 31_000;
      const refused = new Error('a bug, not an outage');
      await expect(cache.getOrLoad('org', () => Promise.reject(refused))).rejects.toBe(refused);
      await expect(cache.getOrLoad('never-cached', failing)).rejects.toBe(unreachable);
    });

    it('does not try the database while it is known to be down, when a stale entry can answer', async () => {
      const { state, policy } = testPolicy(300_000);
      const cache = new InvalidatableCache<string, number>(
        { max: 10, ttl: 30_000, ttlResolution: 0 },
        policy,
      );
      await cache.getOrLoad('org', async () => 60);
      state.now += 31_000;
      state.down = true;
      const load = jest.fn(failing);
      expect(await cache.getOrLoad('org', load)).toBe(60);
      expect(load).not.toHaveBeenCalled();
      // Nothing stale to answer with: the database is asked (and its failure is the answer).
      await expect(cache.getOrLoad('other', load)).rejects.toBe(unreachable);
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('never serves an entry that was invalidated, by key or by match, fresh or stale', async () => {
      const { state, policy } = testPolicy(300_000);
      const cache = new InvalidatableCache<string, number>(
        { max: 10, ttl: 30_000, ttlResolution: 0 },
        policy,
      );
      for (const [key, value] of [
        ['revoked-fresh', 1],
        ['revoked-stale', 2],
        ['matched-stale', 3],
        ['kept', 4],
      ] as const) {
        await cache.getOrLoad(key, async () => value);
      }
      cache.invalidate('revoked-fresh');
      state.now += 31_000;
      cache.invalidate('revoked-stale');
      cache.invalidateWhere((value) => value === 3);
      for (const key of ['revoked-fresh', 'revoked-stale', 'matched-stale']) {
        await expect(cache.getOrLoad(key, failing)).rejects.toBe(unreachable);
      }
      expect(await cache.getOrLoad('kept', failing)).toBe(4);
    });

    it('serves only what `servable` takes, and nothing with a window of 0', async () => {
      const { state, policy } = testPolicy(300_000);
      const cache = new InvalidatableCache<string, number>(
        { max: 10, ttl: 30_000, ttlResolution: 0 },
        policy,
      );
      await cache.getOrLoad('unknown', async () => -1);
      state.now += 31_000;
      const known = (value: number) => (value < 0 ? undefined : value);
      await expect(cache.orStale('unknown', failing, known)).rejects.toBe(unreachable);

      const off = testPolicy(0);
      const never = new InvalidatableCache<string, number>(
        { max: 10, ttl: 30_000, ttlResolution: 0 },
        off.policy,
      );
      await never.getOrLoad('org', async () => 60);
      off.state.now += 31_000;
      await expect(never.getOrLoad('org', failing)).rejects.toBe(unreachable);
    });

    it('keeps stale entries within the same bound as fresh ones', async () => {
      const { state, policy } = testPolicy(300_000);
      const cache = new InvalidatableCache<string, number>(
        { max: 2, ttl: 30_000, ttlResolution: 0 },
        policy,
      );
      for (const key of ['a', 'b', 'c']) await cache.getOrLoad(key, async () => 1);
      state.now += 31_000;
      await expect(cache.getOrLoad('a', failing)).rejects.toBe(unreachable);
      expect(await cache.getOrLoad('c', failing)).toBe(1);
    });
  });
});

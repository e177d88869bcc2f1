import { InvalidatableCache, LONGEST_CACHE_LIFETIME_MS } from './invalidatable-cache';

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
      const clock = { now: () => Date.now() }; // the faked one
      const forever = new InvalidatableCache<string, number>({ max: 10, perf: clock });
      const hourly = new InvalidatableCache<string, number>({
        max: 10,
        ttl: 3_600_000,
        perf: clock,
      });
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
});

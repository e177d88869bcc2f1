import { InvalidatableCache } from './invalidatable-cache';

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
});

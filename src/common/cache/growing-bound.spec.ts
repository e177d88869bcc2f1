import { LRUCache } from 'lru-cache';
import { growingBound } from './growing-bound';

describe('growingBound', () => {
  it('holds at most the bound, dropping the least recently used entry', () => {
    const cache = new LRUCache<string, number>({ ...growingBound(3), ttl: 60_000 });
    cache.set('a', 1).set('b', 2).set('c', 3);
    cache.get('a'); // b is now the least recently used
    cache.set('d', 4);
    expect([...cache.keys()].sort()).toEqual(['a', 'c', 'd']);
    expect(cache.size).toBe(3);
  });

  it('allocates no slots up front', () => {
    // lru-cache preallocates `max` slots; bounded by size, it has no max to preallocate.
    expect(new LRUCache<string, number>(growingBound(100_000)).max).toBe(0);
  });
});

/**
 * lru-cache options that bound a cache at `entries` without allocating them up front. Given
 * `max`, lru-cache preallocates a slot for every entry it may hold (~30-50 bytes each with a
 * TTL): the instance's large caches together held ~15 MB of an idle process that way (issue
 * #19). Bounded through `maxSize` with each entry counting one, its slots grow as entries come;
 * eviction is the same, least recently used first.
 */
export function growingBound(entries: number): {
  maxSize: number;
  sizeCalculation: () => number;
} {
  return { maxSize: entries, sizeCalculation: countsOne };
}

const countsOne = () => 1;

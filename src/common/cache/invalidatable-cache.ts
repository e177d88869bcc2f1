import { LRUCache } from 'lru-cache';

/**
 * No entry lives longer, whatever TTL is asked for: the bound on how long an instance that hears
 * of a change neither over Redis nor from the database (both out of its reach) serves the old state.
 */
export const LONGEST_CACHE_LIFETIME_MS = 60_000;

/**
 * A bounded cache of database look-ups whose answer is cached only if no invalidation (a revoke, a
 * logout, a role or plan change) came while it was in flight, so a row read just before a change
 * is never cached as current. One generation per cache, not per key: invalidations are rare.
 */
export class InvalidatableCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  private readonly entries: LRUCache<K, V>;
  private invalidations = 0;
  /** Look-ups in flight, by key, with the generation each began in. */
  private readonly loads = new Map<K, { generation: number; promise: Promise<unknown> }>();

  constructor(options: LRUCache.Options<K, V, unknown>) {
    this.entries = new LRUCache<K, V>({ ...options, ttl: lifetime(options.ttl) });
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Read before a database look-up; pass it back to `setIfCurrent`. */
  generation(): number {
    return this.invalidations;
  }

  /** Caches a look-up's answer unless an invalidation came since `generation` was read. */
  setIfCurrent(
    key: K,
    value: V,
    generation: number,
    options?: LRUCache.SetOptions<K, V, unknown>,
  ): boolean {
    if (generation !== this.invalidations) return false;
    this.entries.set(
      key,
      value,
      options?.ttl === undefined ? options : { ...options, ttl: lifetime(options.ttl) },
    );
    return true;
  }

  /**
   * The cached answer, or `load`'s, cached unless invalidated meanwhile (undefined is not).
   * Concurrent misses of a key share one load (see `loadOnce`).
   */
  async getOrLoad(key: K, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached;
    return this.loadOnce(key, async (generation) => {
      const loaded = await load();
      if (loaded !== undefined) this.setIfCurrent(key, loaded, generation);
      return loaded;
    });
  }

  /**
   * Concurrent misses of a key share one look-up, so a popular entry running out is not a query per
   * request; one that began before an invalidation is not shared (its row may be stale). `load`
   * gets the generation to pass to `setIfCurrent`.
   */
  loadOnce<R>(key: K, load: (generation: number) => Promise<R>): Promise<R> {
    const generation = this.invalidations;
    const pending = this.loads.get(key);
    if (pending?.generation === generation) return pending.promise as Promise<R>;
    const entry = { generation, promise: load(generation) };
    this.loads.set(key, entry);
    // A newer look-up may have taken the slot meanwhile: only this one's entry is removed.
    const settled = () => {
      if (this.loads.get(key) === entry) this.loads.delete(key);
    };
    entry.promise.then(settled, settled);
    return entry.promise;
  }

  /** Drops an entry that simply ran out (not a change: look-ups in flight stay cacheable). */
  delete(key: K): void {
    this.entries.delete(key);
  }

  /**
   * Something changed: drops its entry (if this instance has one) and makes every look-up in
   * flight uncacheable.
   */
  invalidate(key?: K): void {
    this.invalidations += 1;
    if (key !== undefined) this.entries.delete(key);
  }

  /** As `invalidate`, for the entries that match (rare changes: a scan of the bounded cache). */
  invalidateWhere(matches: (value: V) => boolean): void {
    this.invalidations += 1;
    for (const [key, value] of this.entries.entries()) {
      if (matches(value)) this.entries.delete(key);
    }
  }
}

/** A TTL, at most LONGEST_CACHE_LIFETIME_MS; also that for none (lru-cache reads 0 as none). */
function lifetime(ttl: number | undefined): number {
  return ttl ? Math.min(ttl, LONGEST_CACHE_LIFETIME_MS) : LONGEST_CACHE_LIFETIME_MS;
}

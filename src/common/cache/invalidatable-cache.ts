import { LRUCache } from 'lru-cache';
import { NEVER_STALE, StalePolicy } from './stale-policy';

/**
 * No entry is fresh longer, whatever TTL is asked for: the bound on how long an instance that
 * hears of a change neither over Redis nor from the database (both out of its reach) serves the
 * old state. While the database is out of its reach, the StalePolicy's window comes on top.
 */
export const LONGEST_CACHE_LIFETIME_MS = 60_000;

/** Accepts any stale value as it is (getOrLoad). */
const asIs = <V>(value: V): V => value;

/**
 * A bounded cache of database look-ups whose answer is cached only if no invalidation (a revoke, a
 * logout, a role or plan change) came while it was in flight, so a row read just before a change
 * is never cached as current. One generation per cache, not per key: invalidations are rare.
 *
 * Stale if error: an entry whose lifetime ran out stays (within `max`) until it is loaded again,
 * evicted or invalidated, so that while the database cannot be reached it can answer for the
 * policy's window more (`orStale`). A fresh hit is the same single LRU look-up either way.
 */
export class InvalidatableCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  private readonly entries: LRUCache<K, V>;
  private invalidations = 0;
  /** Look-ups in flight, by key, with the generation each began in. */
  private readonly loads = new Map<K, { generation: number; promise: Promise<unknown> }>();

  constructor(
    /** `perf` and the stale options are the policy's. */
    options: LRUCache.Options<K, V, unknown>,
    private readonly stale: StalePolicy = NEVER_STALE,
  ) {
    this.entries = new LRUCache<K, V>({
      ...options,
      ttl: lifetime(options.ttl),
      perf: stale.lifetimeClock,
      // A read past the lifetime misses but keeps the entry for `orStale`.
      noDeleteOnStaleGet: stale.windowMs > 0,
    });
  }

  /** The entry if it is fresh (within its lifetime): the hot path. */
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
    return this.loadOnce(key, (generation) =>
      this.orStale(
        key,
        async () => {
          const loaded = await load();
          if (loaded !== undefined) this.setIfCurrent(key, loaded, generation);
          return loaded;
        },
        asIs,
      ),
    );
  }

  /**
   * `load`'s answer or, when it fails because the database cannot be reached, the entry's last
   * value if `servable` takes it (undefined: not this one) and its lifetime ran out less than the
   * policy's window ago. An invalidated entry is gone, so a revoke, logout, role or plan change
   * that reached this instance is never served around. While the database is known to be down,
   * such a value answers without `load` being tried: it would only wait and fail.
   */
  async orStale<R>(
    key: K,
    load: () => Promise<R>,
    servable: (value: V) => R | undefined,
  ): Promise<R> {
    if (this.stale.databaseKnownDown()) {
      const known = this.staleValue(key, servable);
      if (known !== undefined) return known;
    }
    try {
      return await load();
    } catch (error) {
      if (!this.stale.unreachable(error)) throw error;
      const known = this.staleValue(key, servable);
      if (known === undefined) throw error;
      return known;
    }
  }

  private staleValue<R>(key: K, servable: (value: V) => R | undefined): R | undefined {
    if (this.stale.windowMs <= 0) return undefined;
    const value = this.entries.peek(key, { allowStale: true });
    // Remaining lifetime: negative once it ran out, by as much as it is overdue.
    if (value === undefined || this.entries.getRemainingTTL(key) <= -this.stale.windowMs) {
      return undefined;
    }
    return servable(value);
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

  /**
   * As `invalidate`, for the entries that match, stale ones too (rare changes: a scan of the
   * bounded cache).
   */
  invalidateWhere(matches: (value: V) => boolean): void {
    this.invalidations += 1;
    const matching: K[] = [];
    // lru-cache's iterators skip entries past their lifetime unless allowStale is set: set for
    // this synchronous scan only (no read can come in between).
    this.entries.allowStale = true;
    try {
      for (const [key, value] of this.entries.entries()) if (matches(value)) matching.push(key);
    } finally {
      this.entries.allowStale = false;
    }
    for (const key of matching) this.entries.delete(key);
  }
}

/** A TTL, at most LONGEST_CACHE_LIFETIME_MS; also that for none (lru-cache reads 0 as none). */
function lifetime(ttl: number | undefined): number {
  return ttl ? Math.min(ttl, LONGEST_CACHE_LIFETIME_MS) : LONGEST_CACHE_LIFETIME_MS;
}

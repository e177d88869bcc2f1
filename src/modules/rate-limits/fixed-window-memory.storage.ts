import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

interface Window {
  hits: number;
  expiresAt: number;
}

/** Bound on live counters; past it, the oldest are dropped (they are the first to expire). */
const MAX_WINDOWS = 500_000;
const SWEEP_EVERY_MS = 10_000;

/**
 * In-memory ThrottlerStorage with one counter per key (a fixed window), used without Redis and
 * as the fallback while Redis is down.
 *
 * Why not @nestjs/throttler's own ThrottlerStorageService: it keeps one timestamp per hit and
 * filters them on every request, so a key allowed 100,000 requests an hour costs O(hits) per
 * request. Tessera's windows are calendar-aligned (the key names the minute or hour), so a
 * counter per key is exact, O(1), and behaves like the Redis storage's INCR script.
 */
export class FixedWindowMemoryStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    return this.incrementNow(key, ttl, limit, throttlerName);
  }

  /** The same count, synchronously (the hot path skips the promise). */
  incrementNow(
    key: string,
    ttl: number,
    limit: number,
    throttlerName: string,
  ): ThrottlerStorageRecord {
    const slot = `${throttlerName}:${key}`;
    const now = Date.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    let window = this.windows.get(slot);
    if (!window || window.expiresAt <= now) {
      window = { hits: 0, expiresAt: now + ttl };
      this.windows.set(slot, window);
    }
    window.hits += 1;
    const timeToExpire = Math.ceil((window.expiresAt - now) / 1000);
    const isBlocked = window.hits > limit;
    return {
      totalHits: window.hits,
      timeToExpire,
      isBlocked,
      timeToBlockExpire: isBlocked ? timeToExpire : 0,
    };
  }

  private sweep(now: number): void {
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    for (const [slot, window] of this.windows) {
      if (window.expiresAt <= now) this.windows.delete(slot);
    }
    // Insertion order is creation order: the oldest windows go first.
    for (const slot of this.windows.keys()) {
      if (this.windows.size <= MAX_WINDOWS) break;
      this.windows.delete(slot);
    }
  }
}

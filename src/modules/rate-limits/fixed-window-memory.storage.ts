import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { LRUCache } from 'lru-cache';

interface Window {
  hits: number;
  expiresAt: number;
}

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
  private readonly windows = new LRUCache<string, Window>({ max: 500_000, ttlAutopurge: false });

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const slot = `${throttlerName}:${key}`;
    let window = this.windows.get(slot);
    if (!window || window.expiresAt <= now) {
      window = { hits: 0, expiresAt: now + ttl };
      this.windows.set(slot, window, { ttl });
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
}

import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

export interface WindowCount {
  totalHits: number;
  remaining: number;
  /** Epoch ms when the window ends and the count starts over. */
  resetsAt: number;
  /** More hits than the limit in this window. */
  blocked: boolean;
}

/** A storage that can say synchronously when a count stays in this instance's memory. */
interface LocalCounting {
  /** The record, when this instance counts the hit itself; null when a shared store must. */
  incrementIfLocal(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ThrottlerStorageRecord | null;
}

function countsLocally(storage: ThrottlerStorage): storage is ThrottlerStorage & LocalCounting {
  return typeof (storage as Partial<LocalCounting>).incrementIfLocal === 'function';
}

/**
 * Counts one hit in a calendar-aligned window (the minute, the hour, ...) of @nestjs/throttler's
 * storage: the key names the window, so every instance counts into the same one and it resets
 * on the boundary, not a window length after the first hit.
 *
 * Synchronous when the counter is in this instance's memory (no Redis, or Redis down): it runs
 * on every authenticated request, and a chain of promises per counter was measurable there
 * (`npm run bench`, JWT row: about +7% req/s in an A/B of two builds).
 */
export function countInWindow(
  storage: ThrottlerStorage,
  name: string,
  tracker: string,
  limit: number,
  windowMs: number,
  now = Date.now(),
): WindowCount | Promise<WindowCount> {
  const windowStart = now - (now % windowMs);
  const resetsAt = windowStart + windowMs;
  const ttl = Math.max(1, resetsAt - now);
  const key = `${tracker}:${windowStart}`;
  const local = countsLocally(storage)
    ? storage.incrementIfLocal(key, ttl, limit, ttl, name)
    : null;
  if (local) return toWindowCount(local, limit, resetsAt);
  return storage
    .increment(key, ttl, limit, ttl, name)
    .then((record) => toWindowCount(record, limit, resetsAt));
}

function toWindowCount(
  record: ThrottlerStorageRecord,
  limit: number,
  resetsAt: number,
): WindowCount {
  return {
    totalHits: record.totalHits,
    remaining: Math.max(0, limit - record.totalHits),
    resetsAt,
    blocked: record.isBlocked || record.totalHits > limit,
  };
}

import type { ThrottlerStorage } from '@nestjs/throttler';

export interface WindowCount {
  totalHits: number;
  remaining: number;
  /** Epoch ms when the window ends and the count starts over. */
  resetsAt: number;
  /** More hits than the limit in this window. */
  blocked: boolean;
}

/**
 * Counts one hit in a calendar-aligned window (the minute, the hour, ...) of @nestjs/throttler's
 * storage: the key names the window, so every instance counts into the same one and it resets
 * on the boundary, not a window length after the first hit.
 */
export async function countInWindow(
  storage: ThrottlerStorage,
  name: string,
  tracker: string,
  limit: number,
  windowMs: number,
  now = Date.now(),
): Promise<WindowCount> {
  const windowStart = now - (now % windowMs);
  const resetsAt = windowStart + windowMs;
  const ttl = Math.max(1, resetsAt - now);
  const record = await storage.increment(`${tracker}:${windowStart}`, ttl, limit, ttl, name);
  return {
    totalHits: record.totalHits,
    remaining: Math.max(0, limit - record.totalHits),
    resetsAt,
    blocked: record.isBlocked || record.totalHits > limit,
  };
}

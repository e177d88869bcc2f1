/** One limit to count a hit against: `limit` hits per calendar-aligned window of `windowMs`. */
export interface WindowLimit {
  /** Names the kind of counter ('organization', 'api_key', 'login-failures', ...). */
  name: string;
  /** Whose counter: an organization id, a key id, a client IP. */
  tracker: string;
  limit: number;
  windowMs: number;
}

export interface WindowCount {
  /** Requests counted in this window, this one included when it was let through. */
  totalHits: number;
  remaining: number;
  /** Epoch ms when the window ends and the count starts over. */
  resetsAt: number;
  /** This limit refused the request: its window was already full. */
  blocked: boolean;
}

/**
 * Where a hit is counted. Windows are aligned to the calendar (the minute, the hour): the key
 * names the window, so every instance counts into the same one and it resets on the boundary,
 * not a window length after the first hit. The key's format is the one
 * @nest-lab/throttler-storage-redis used, so instances of an older release count into the same
 * Redis keys during a rolling upgrade.
 */
export interface WindowSlot {
  key: string;
  /** Until the window ends: how long the counter must live. */
  ttlMs: number;
  resetsAt: number;
}

/** A counter's storage key: @nest-lab/throttler-storage-redis's format, `{key:name}:hits`. */
function counterKey(key: string, name: string): string {
  return `{${key}:${name}}:hits`;
}

/** The start of the calendar window of `windowMs` (the minute, the hour...) that holds `now`. */
export function windowStartOf(now: number, windowMs: number): number {
  return now - (now % windowMs);
}

export function slotOf(limit: WindowLimit, now: number): WindowSlot {
  const windowStart = windowStartOf(now, limit.windowMs);
  const resetsAt = windowStart + limit.windowMs;
  return {
    key: counterKey(`${limit.tracker}:${windowStart}`, limit.name),
    ttlMs: Math.max(1, resetsAt - now),
    resetsAt,
  };
}

/**
 * A counter's state after a request was counted (`refused` false) or refused by one of its limits
 * (`refused` true: counted nowhere). A limit blocks exactly while its window is full, so a limit
 * raised mid-window lets the next request through (no "blocked" flag that outlives a change).
 */
export function countOf(
  totalHits: number,
  limit: number,
  resetsAt: number,
  refused: boolean,
): WindowCount {
  return {
    totalHits,
    remaining: Math.max(0, limit - totalHits),
    resetsAt,
    blocked: refused && totalHits >= limit,
  };
}

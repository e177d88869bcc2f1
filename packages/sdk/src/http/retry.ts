import { retryAfterSecondsOf } from '../errors';

/** When a refused request is sent again. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 4). 1 turns retries off. */
  maxAttempts?: number;
  /** The first backoff without Retry-After, doubled each time (default 500 ms). */
  baseDelayMs?: number;
  /** The longest backoff without Retry-After (default 20 s). */
  maxDelayMs?: number;
  /**
   * The longest Retry-After the client waits for (default 60 s): a key over its hourly limit
   * may be told to come back in 50 minutes, which a caller should hear about at once.
   */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
};

/**
 * 429 (rate limited) and 503 (a dependency down): the only answers worth asking again. A 429
 * says when with Retry-After; one without (an API key with no credits left, which nothing will
 * refill) is not asked again.
 */
export const RETRIED_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/**
 * The methods sent again after a 503. Tessera refuses with 429 before it does anything, but a
 * 503 may come after the change was made (a database that failed at the commit's answer): a
 * POST sent again would make a second API key, or spend a refresh token twice, which Tessera
 * takes for a stolen one and ends the session. So only reads are repeated after a 503.
 */
const RETRIED_AFTER_503: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long to wait before attempt `attempt + 1` of a `method` request after `response`, or null
 * not to retry (a 503 to anything but a read: RETRIED_AFTER_503). With
 * Retry-After: that long plus up to 10% (at most 1 s) of jitter, so clients told the same
 * second do not come back together. Without: exponential backoff with full jitter.
 */
export function retryDelayMs(
  response: Response,
  attempt: number,
  options: Required<RetryOptions>,
  random: () => number = Math.random,
  method = 'GET',
): number | null {
  if (!RETRIED_STATUSES.has(response.status) || attempt >= options.maxAttempts) return null;
  if (response.status === 503 && !RETRIED_AFTER_503.has(method.toUpperCase())) return null;
  const retryAfter = retryAfterSecondsOf(response.headers.get('retry-after'));
  if (retryAfter === undefined && response.status === 429) return null;
  if (retryAfter !== undefined) {
    const waitMs = retryAfter * 1000;
    if (waitMs > options.maxRetryAfterMs) return null;
    return waitMs + random() * Math.min(1000, waitMs * 0.1);
  }
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return random() * ceiling;
}

/**
 * fetch that sends a request again on 429, and a read on 503, as retryDelayMs says, and never
 * on any other answer. Redirects are not followed (`redirect: 'error'`): Tessera's API answers
 * none, and a 307 or 308 would send a password, a refresh token or an assertion on to whatever
 * the answer names. Each attempt sends a fresh copy of the request (its body can be read only once).
 */
export function retryingFetch(
  fetchImpl: typeof fetch,
  options: RetryOptions = {},
  sleep: Sleep = realSleep,
): (request: Request) => Promise<Response> {
  const settings = { ...DEFAULT_RETRY, ...options };
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetchImpl(new Request(request.clone(), { redirect: 'error' }));
      const delay = retryDelayMs(response, attempt, settings, Math.random, request.method);
      if (delay === null) return response;
      await response.body?.cancel().catch(() => undefined);
      await sleep(delay);
    }
  };
}

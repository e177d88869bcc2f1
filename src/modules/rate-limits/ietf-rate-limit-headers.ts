import type { WindowCount, WindowLimit } from './calendar-window';

/*
 * The IETF rate-limit fields, as draft-ietf-httpapi-ratelimit-headers-11 (23 May 2026) defines
 * them: both are Structured Field Lists (RFC 9651) of Items whose value is a String naming a
 * quota policy.
 *   RateLimit-Policy: "api_key_hour";q=1000;w=3600     (section 3: q quota, w window in seconds)
 *   RateLimit: "api_key_hour";r=998;t=1754             (section 4: r available quota, t seconds
 *                                                      until the window ends, both non-negative)
 * Sent beside X-RateLimit-*: RateLimit-Policy lists every limit that applies to the request (the
 * draft's appendix B.3.1), RateLimit the tightest of them, the one X-RateLimit-* describes.
 * Header names are lowercase: Fastify lowercases every name it is given (a new string per call
 * otherwise), and HTTP field names are case-insensitive.
 */
export const RATE_LIMIT_POLICY_HEADER = 'ratelimit-policy';
export const RATE_LIMIT_HEADER = 'ratelimit';

/** An sf-integer has at most 15 digits (RFC 9651 section 3.3.1). */
const LARGEST_SF_INTEGER = 999_999_999_999_999;
/** Past this many distinct quotas of one policy (every key's own hourly limit), start over. */
const MAX_CACHED_QUOTAS = 1024;
/** Past this many distinct lists of policies, start over. */
const MAX_CACHED_LISTS = 4096;

const WINDOW_NAMES = new Map<number, string>([
  [1_000, 'second'],
  [60_000, 'minute'],
  [3_600_000, 'hour'],
  [86_400_000, 'day'],
]);

/**
 * The policy's name: the limit's kind and its window ('api_key_hour', 'organization_minute',
 * 'ip_minute', 'oauth_client_minute', 'network_ceiling_minute'), so a client can tell which of
 * its limits it is nearing without documentation at hand.
 */
export function policyNameOf(limit: Pick<WindowLimit, 'name' | 'windowMs'>): string {
  const window = WINDOW_NAMES.get(limit.windowMs) ?? `${windowSecondsOf(limit.windowMs)}s`;
  return `${limit.name}_${window}`;
}

/** The window in whole seconds, at least 1 (w is a positive Integer: section 3.1.3). */
export function windowSecondsOf(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / 1000));
}

/**
 * An sf-string (RFC 9651 section 4.1.6): quoted, with `"` and `\` escaped. Anything outside
 * printable ASCII cannot be sent as one; a policy name is ours, so that is a programming error.
 */
export function serializeSfString(value: string): string {
  let quoted = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      throw new RangeError(`Not sendable as a structured-field string: ${JSON.stringify(value)}`);
    }
    if (code === 0x22 || code === 0x5c) quoted += '\\';
    quoted += value[i];
  }
  return `${quoted}"`;
}

/** A non-negative sf-integer: whole, and clamped into what the field may carry. */
export function serializeCount(value: number): string {
  if (!(value > 0)) return '0'; // negative, zero or NaN
  return String(Math.min(LARGEST_SF_INTEGER, Math.floor(value)));
}

/** `"name";q=<quota>;w=<window seconds>`: one member of RateLimit-Policy. */
export function policyItem(name: string, quota: number, windowSeconds: number): string {
  return `${serializeSfString(name)};q=${serializeCount(quota)};w=${serializeCount(windowSeconds)}`;
}

/**
 * `"name";r=<remaining>;t=<seconds>`: the RateLimit field for one policy. `t` counts to the same
 * instant as X-RateLimit-Reset (`resetSeconds`, epoch seconds), from the current whole second, so
 * a client subtracting its clock's seconds from X-RateLimit-Reset gets the same number; never
 * negative.
 */
export function serviceLimitItem(
  quotedName: string,
  remaining: number,
  resetSeconds: number,
  now: number,
): string {
  return `${quotedName};r=${serializeCount(remaining)};t=${serializeCount(resetSeconds - Math.floor(now / 1000))}`;
}

/** What a policy's name and window make once: its quoted name and its members by quota. */
interface PolicyIdentity {
  name: string;
  quotedName: string;
  windowSeconds: number;
  itemsByQuota: Map<number, string>;
}

/**
 * The RateLimit-Policy and RateLimit values of a request, built on the rate limiter's hot path.
 * The policy field of a set of limits is made once and kept (bounded: a quota per key at most
 * MAX_CACHED_QUOTAS per policy), so a request costs a few Map look-ups and one string for
 * RateLimit, not a serialization each.
 */
export class IetfRateLimitFields {
  /** By limit name, then window (ms). */
  private readonly identities = new Map<string, Map<number, PolicyIdentity>>();
  /** Two policies' joined field, by the first member then the second (the usual key request). */
  private readonly pairs = new Map<string, Map<string, string>>();
  private pairCount = 0;

  /** Every limit that applies, in the order given: `"a";q=60;w=60, "b";q=1000;w=3600`. */
  policyField(limits: readonly WindowLimit[]): string {
    if (limits.length === 1) return this.itemOf(limits[0]);
    if (limits.length === 2) return this.pairOf(this.itemOf(limits[0]), this.itemOf(limits[1]));
    return limits.map((limit) => this.itemOf(limit)).join(', ');
  }

  /** The RateLimit field for one limit's count; `resetSeconds` is X-RateLimit-Reset's value. */
  rateLimitField(
    limit: WindowLimit,
    count: WindowCount,
    resetSeconds: number,
    now: number,
  ): string {
    return serviceLimitItem(this.identityOf(limit).quotedName, count.remaining, resetSeconds, now);
  }

  private itemOf(limit: WindowLimit): string {
    const identity = this.identityOf(limit);
    let item = identity.itemsByQuota.get(limit.limit);
    if (item === undefined) {
      if (identity.itemsByQuota.size >= MAX_CACHED_QUOTAS) identity.itemsByQuota.clear();
      item = policyItem(identity.name, limit.limit, identity.windowSeconds);
      identity.itemsByQuota.set(limit.limit, item);
    }
    return item;
  }

  private pairOf(first: string, second: string): string {
    let seconds = this.pairs.get(first);
    if (seconds === undefined) {
      seconds = new Map();
      this.pairs.set(first, seconds);
    }
    let field = seconds.get(second);
    if (field === undefined) {
      if (this.pairCount >= MAX_CACHED_LISTS) {
        this.pairs.clear();
        this.pairs.set(first, seconds);
        seconds.clear();
        this.pairCount = 0;
      }
      field = `${first}, ${second}`;
      seconds.set(second, field);
      this.pairCount++;
    }
    return field;
  }

  private identityOf(limit: WindowLimit): PolicyIdentity {
    let byWindow = this.identities.get(limit.name);
    if (byWindow === undefined) {
      byWindow = new Map();
      this.identities.set(limit.name, byWindow);
    }
    let identity = byWindow.get(limit.windowMs);
    if (identity === undefined) {
      const name = policyNameOf(limit);
      identity = {
        name,
        quotedName: serializeSfString(name),
        windowSeconds: windowSecondsOf(limit.windowMs),
        itemsByQuota: new Map(),
      };
      byWindow.set(limit.windowMs, identity);
    }
    return identity;
  }
}

import type { WindowCount, WindowLimit } from './calendar-window';
import {
  IetfRateLimitFields,
  policyItem,
  policyNameOf,
  serializeCount,
  serializeSfString,
  serviceLimitItem,
} from './ietf-rate-limit-headers';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** 2026-11-23 15:00:00 UTC, a calendar hour boundary. */
const ON_THE_HOUR = Date.UTC(2026, 10, 23, 15);
const ON_THE_HOUR_SECONDS = ON_THE_HOUR / 1000;

const limit = (name: string, perWindow: number, windowMs: number): WindowLimit => ({
  name,
  tracker: 'tracker',
  limit: perWindow,
  windowMs,
});
const count = (remaining: number, resetsAt: number): WindowCount => ({
  totalHits: 0,
  remaining,
  resetsAt,
  blocked: false,
});

describe('IETF rate-limit fields (draft-ietf-httpapi-ratelimit-headers-11)', () => {
  it('names a policy by the limit and its window', () => {
    expect(policyNameOf({ name: 'api_key', windowMs: HOUR })).toBe('api_key_hour');
    expect(policyNameOf({ name: 'organization', windowMs: MINUTE })).toBe('organization_minute');
    expect(policyNameOf({ name: 'ip', windowMs: MINUTE })).toBe('ip_minute');
    expect(policyNameOf({ name: 'login', windowMs: 900_000 })).toBe('login_900s');
  });

  it('quotes names as structured-field strings, escaping quotes and backslashes', () => {
    expect(serializeSfString('api_key_hour')).toBe('"api_key_hour"');
    expect(serializeSfString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(serializeSfString('')).toBe('""');
    for (const unsendable of ['tab\there', 'line\nbreak', 'café', '\u007f']) {
      expect(() => serializeSfString(unsendable)).toThrow(RangeError);
    }
  });

  it('writes integer parameters only: whole, non-negative and at most 15 digits', () => {
    expect(serializeCount(0)).toBe('0');
    expect(serializeCount(60)).toBe('60');
    expect(serializeCount(59.9)).toBe('59');
    expect(serializeCount(-3)).toBe('0');
    expect(serializeCount(Number.NaN)).toBe('0');
    expect(serializeCount(1e20)).toBe('999999999999999');
    expect(policyItem('ip_minute', 120, 60)).toBe('"ip_minute";q=120;w=60');
  });

  it('counts t to X-RateLimit-Reset from the current whole second, never below zero', () => {
    const reset = ON_THE_HOUR_SECONDS + 60;
    expect(serviceLimitItem('"m"', 5, reset, ON_THE_HOUR)).toBe('"m";r=5;t=60');
    expect(serviceLimitItem('"m"', 5, reset, ON_THE_HOUR + 1)).toBe('"m";r=5;t=60');
    expect(serviceLimitItem('"m"', 5, reset, ON_THE_HOUR + 999)).toBe('"m";r=5;t=60');
    expect(serviceLimitItem('"m"', 5, reset, ON_THE_HOUR + 1000)).toBe('"m";r=5;t=59');
    expect(serviceLimitItem('"m"', 0, reset, ON_THE_HOUR + 59_999)).toBe('"m";r=0;t=1');
    // A window that has just ended (the count came back a moment before the clock was read).
    expect(serviceLimitItem('"m"', 0, reset, ON_THE_HOUR + 60_000)).toBe('"m";r=0;t=0');
    expect(serviceLimitItem('"m"', 0, reset, ON_THE_HOUR + 75_000)).toBe('"m";r=0;t=0');
  });

  it('lists every applicable policy in RateLimit-Policy and names one in RateLimit', () => {
    const fields = new IetfRateLimitFields();
    const organization = limit('organization', 60, MINUTE);
    const key = limit('api_key', 1000, HOUR);
    expect(fields.policyField([organization])).toBe('"organization_minute";q=60;w=60');
    expect(fields.policyField([organization, key])).toBe(
      '"organization_minute";q=60;w=60, "api_key_hour";q=1000;w=3600',
    );
    expect(
      fields.policyField([
        limit('oauth_client', 120, MINUTE),
        limit('network_ceiling', 2400, MINUTE),
        limit('ip', 120, MINUTE),
      ]),
    ).toBe(
      '"oauth_client_minute";q=120;w=60, "network_ceiling_minute";q=2400;w=60, "ip_minute";q=120;w=60',
    );
    const resetsAt = ON_THE_HOUR + HOUR;
    expect(
      fields.rateLimitField(key, count(998, resetsAt), resetsAt / 1000, ON_THE_HOUR + 1_500),
    ).toBe('"api_key_hour";r=998;t=3599');
  });

  it('gives the same field for the same limits, and a new one when a quota changes', () => {
    const fields = new IetfRateLimitFields();
    const first = fields.policyField([
      limit('organization', 60, MINUTE),
      limit('api_key', 10, HOUR),
    ]);
    // Fresh limit objects each request, as the rate limiter makes them: the cached string.
    const again = fields.policyField([
      limit('organization', 60, MINUTE),
      limit('api_key', 10, HOUR),
    ]);
    expect(again).toBe(first);
    expect(
      fields.policyField([limit('organization', 300, MINUTE), limit('api_key', 10, HOUR)]),
    ).toBe('"organization_minute";q=300;w=60, "api_key_hour";q=10;w=3600');
    // One name with two windows is two policies.
    expect(fields.policyField([limit('api_key', 10, MINUTE)])).toBe('"api_key_minute";q=10;w=60');
    expect(fields.policyField([limit('api_key', 10, HOUR)])).toBe('"api_key_hour";q=10;w=3600');
  });

  it('stays right past its cache bounds (every key with a quota of its own)', () => {
    const fields = new IetfRateLimitFields();
    const organization = limit('organization', 60, MINUTE);
    for (let quota = 10; quota < 10 + 5000; quota++) {
      expect(fields.policyField([organization, limit('api_key', quota, HOUR)])).toBe(
        `"organization_minute";q=60;w=60, "api_key_hour";q=${quota};w=3600`,
      );
    }
    expect(fields.policyField([organization, limit('api_key', 10, HOUR)])).toBe(
      '"organization_minute";q=60;w=60, "api_key_hour";q=10;w=3600',
    );
  });
});

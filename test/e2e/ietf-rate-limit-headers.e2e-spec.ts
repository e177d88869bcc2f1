import request, { Response } from 'supertest';
import { asKey, userWithKey } from '../utils/api-keys';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser } from '../utils/factories';
import { parseSfList, SfItem } from '../utils/structured-fields';
import { TestClock } from '../utils/test-clock';

interface Policy {
  q: number;
  w: number;
}

/**
 * RateLimit-Policy and RateLimit read as a client would (draft-ietf-httpapi-ratelimit-headers-11:
 * Lists of Items whose value is a String, with Integer parameters), each checked against the
 * draft's rules on the way.
 */
function ietfFieldsOf(response: Response): {
  policies: Map<string, Policy>;
  current: { policy: string; r: number; t: number };
} {
  const policyField = response.headers['ratelimit-policy'] as string | undefined;
  const rateLimitField = response.headers['ratelimit'] as string | undefined;
  expect(policyField).toEqual(expect.any(String));
  expect(rateLimitField).toEqual(expect.any(String));
  const policies = new Map<string, Policy>();
  for (const item of parseSfList(policyField!)) {
    policies.set(stringOf(item), {
      q: nonNegativeIntegerOf(item, 'q'),
      w: nonNegativeIntegerOf(item, 'w'),
    });
  }
  const limits = parseSfList(rateLimitField!);
  expect(limits).toHaveLength(1); // the tightest limit, as X-RateLimit-* describe it
  const [limit] = limits;
  return {
    policies,
    current: {
      policy: stringOf(limit),
      r: nonNegativeIntegerOf(limit, 'r'),
      t: nonNegativeIntegerOf(limit, 't'),
    },
  };
}

function stringOf(item: SfItem): string {
  expect(typeof item.value).toBe('string');
  return item.value as string;
}

function nonNegativeIntegerOf(item: SfItem, parameter: string): number {
  const value = item.params.get(parameter);
  expect(Number.isSafeInteger(value)).toBe(true);
  expect(value).toBeGreaterThanOrEqual(0);
  return value as number;
}

/**
 * The IETF fields say what X-RateLimit-* say: the current policy is one RateLimit-Policy lists,
 * its quota is X-RateLimit-Limit, r is X-RateLimit-Remaining, and t the seconds from the app's
 * clock to X-RateLimit-Reset (epoch seconds). Returns the parsed fields for more checks.
 */
function expectAgreement(response: Response, now: number) {
  const fields = ietfFieldsOf(response);
  const { current, policies } = fields;
  expect(policies.has(current.policy)).toBe(true);
  expect(policies.get(current.policy)!.q).toBe(Number(response.headers['x-ratelimit-limit']));
  expect(current.r).toBe(Number(response.headers['x-ratelimit-remaining']));
  const reset = Number(response.headers['x-ratelimit-reset']);
  expect(current.t).toBe(reset - Math.floor(now / 1000));
  return fields;
}

describe('IETF RateLimit-Policy and RateLimit headers', () => {
  let t: TestApp;
  // One second into a fresh hour, moved only by the tests: 59 s left of every minute window,
  // 3599 s of every hour window.
  const clock = TestClock.atStartOfNextHour();
  beforeAll(async () => {
    t = await createTestApp(
      { RATE_LIMITS_ENABLED: 'true', PUBLIC_RATE_LIMIT_PER_MINUTE: '1000' },
      { clock },
    );
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  it('lists both of an API key’s limits and reports the key’s hour while it is the tightest', async () => {
    const { key } = await userWithKey(t, 'ietf-key', { rate_limit_per_hour: 10 });
    for (let i = 0; i < 3; i++) {
      const response = await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
      const { policies, current } = expectAgreement(response, clock.now());
      expect(Object.fromEntries(policies)).toEqual({
        organization_minute: { q: 60, w: 60 },
        api_key_hour: { q: 10, w: 3600 },
      });
      expect(current).toEqual({ policy: 'api_key_hour', r: 9 - i, t: 3599 });
      // The field is the same on every request of the key (the draft: it SHOULD stay consistent).
      expect(response.headers['ratelimit-policy']).toBe(
        '"organization_minute";q=60;w=60, "api_key_hour";q=10;w=3600',
      );
    }
  });

  it('reports the organization’s minute when it is tighter than the key’s hour, as the clock moves', async () => {
    const { key } = await userWithKey(t, 'ietf-org', { rate_limit_per_hour: 100000 });
    const first = await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    expect(expectAgreement(first, clock.now()).current).toEqual({
      policy: 'organization_minute',
      r: 58, // creating the key counted one against the organization
      t: 59,
    });
    clock.advance(20_500); // 21.5 s into the minute: t counts the whole seconds to the reset
    const later = await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(200);
    expect(expectAgreement(later, clock.now()).current).toEqual({
      policy: 'organization_minute',
      r: 57,
      t: 39,
    });
    clock.nextMinute();
  });

  it('describes a user’s access token by its organization’s minute alone', async () => {
    const user = await createUser(t, 'ietf-jwt');
    for (let i = 0; i < 2; i++) {
      const response = await request(t.http)
        .get('/v1/organizations')
        .set(bearer(user.accessToken))
        .expect(200);
      const { policies, current } = expectAgreement(response, clock.now());
      expect(Object.fromEntries(policies)).toEqual({ organization_minute: { q: 60, w: 60 } });
      expect(current.policy).toBe('organization_minute');
      expect(current.r).toBe(59 - i);
    }
  });

  it('carries both on a 429, with r=0 and a Retry-After no earlier than the effective window', async () => {
    const { key } = await userWithKey(t, 'ietf-429', { rate_limit_per_hour: 10 });
    const verify = () => request(t.http).get('/v1/auth/verify').set(asKey(key.key));
    for (let i = 0; i < 10; i++) await verify().expect(200);
    const refused = await verify().expect(429);
    const { current } = expectAgreement(refused, clock.now());
    expect(current.policy).toBe('api_key_hour');
    expect(current.r).toBe(0);
    expect(Number(refused.headers['retry-after'])).toBe(current.t);
  });

  it('describes the client address’s limit on a public route', async () => {
    const response = await request(t.http)
      .post('/v1/auth/login')
      .send({ email: 'nobody-ietf@example.test', password: 'not-the-password' })
      .expect(401);
    const { policies, current } = expectAgreement(response, clock.now());
    expect(Object.fromEntries(policies)).toEqual({ ip_minute: { q: 1000, w: 60 } });
    expect(current.policy).toBe('ip_minute');
  });

  it('lists a named client’s limit and its address’s ceiling on the token endpoint', async () => {
    const response = await request(t.http)
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: 'ietf-unknown-client' })
      .expect(400); // invalid_client: counted before the client is looked up
    const { policies, current } = expectAgreement(response, clock.now());
    expect(Object.fromEntries(policies)).toEqual({
      oauth_client_minute: { q: 1000, w: 60 },
      network_ceiling_minute: { q: 20000, w: 60 },
    });
    expect(current).toEqual(expect.objectContaining({ policy: 'oauth_client_minute', r: 999 }));
  });

  it('sends neither on routes that are never limited', async () => {
    const response = await request(t.http).get('/v1/health').expect(200);
    expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    expect(response.headers['ratelimit-policy']).toBeUndefined();
    expect(response.headers['ratelimit']).toBeUndefined();
  });

  it('leaves them out with RATE_LIMIT_IETF_HEADERS=false, keeping X-RateLimit-*', async () => {
    await withTestApp(
      { RATE_LIMITS_ENABLED: 'true', RATE_LIMIT_IETF_HEADERS: 'false' },
      async (own) => {
        const { key } = await userWithKey(own, 'ietf-off', { rate_limit_per_hour: 10 });
        const verify = () => request(own.http).get('/v1/auth/verify').set(asKey(key.key));
        const served = await verify().expect(200);
        for (let i = 0; i < 9; i++) await verify().expect(200);
        const refused = await verify().expect(429);
        const login = await request(own.http)
          .post('/v1/auth/login')
          .send({ email: 'nobody-ietf-off@example.test', password: 'not-the-password' })
          .expect(401);
        for (const response of [served, refused, login]) {
          expect(response.headers['x-ratelimit-limit']).toEqual(expect.any(String));
          expect(response.headers['x-ratelimit-remaining']).toEqual(expect.any(String));
          expect(response.headers['x-ratelimit-reset']).toEqual(expect.any(String));
          expect(response.headers['ratelimit-policy']).toBeUndefined();
          expect(response.headers['ratelimit']).toBeUndefined();
        }
        expect(served.headers['x-ratelimit-limit']).toBe('10');
        expect(refused.headers['x-ratelimit-remaining']).toBe('0');
      },
      // Stands still one second into an hour: on the real clock, the key's hour could end
      // between its 10th request and the 11th.
      { clock: TestClock.atStartOfNextHour() },
    );
  });
});

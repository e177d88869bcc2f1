import request from 'supertest';
import { Tessera, TesseraError, userSessionCredential } from '@tessera/sdk';
import { createApiKey } from '../utils/api-keys';
import { bearer, createUser, TestUser } from '../utils/factories';
import { createListeningApp, ListeningTestApp } from '../utils/listening-app';
import { RunningClock } from '../utils/test-clock';

const HOUR_MS = 3_600_000;
/** How long before its hour ends a key's limit is used up: longer than any `secondsLeft`. */
const USE_UP_BEFORE_END_MS = 5 * 60_000;

/**
 * A real 429: a key with the smallest hourly limit (10) used up, then the hour a few seconds from
 * its end (the app's clock runs with real time, moved forward to there), so Tessera's Retry-After
 * is those few seconds and the SDK's retry lands in the next hour's window.
 */
describe('@tessera/sdk retries', () => {
  let t: ListeningTestApp;
  const clock = new RunningClock();

  beforeAll(async () => {
    t = await createListeningApp({ RATE_LIMITS_ENABLED: 'true' }, { clock });
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t?.close();
  });

  /** A fresh key of a new organization, its hour used up, now `secondsLeft` seconds from its end. */
  async function exhaustedKey(secondsLeft: number): Promise<string> {
    const user = await createUser(t, 'retry');
    const { key } = await createApiKey(t, bearer(user.accessToken), {
      name: 'tiny limit',
      scopes: ['translate:read'],
      rate_limit_per_hour: 10,
    });
    clock.reset();
    // Used up well inside an hour, then moved to its last seconds: on a loaded machine the ten
    // requests can take longer than those seconds, and the hour would end among them.
    const usedUpAt = clock.now() + USE_UP_BEFORE_END_MS;
    const hourEnds = usedUpAt - (usedUpAt % HOUR_MS) + HOUR_MS;
    clock.advance(hourEnds - USE_UP_BEFORE_END_MS - clock.now());
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${t.url}/v1/auth/verify`, { headers: { 'x-api-key': key } });
      expect(response.status).toBe(200);
    }
    clock.advance(hourEnds - secondsLeft * 1000 - clock.now());
    return key;
  }

  it('waits as long as a real 429’s Retry-After says, then succeeds', async () => {
    const key = await exhaustedKey(2);
    const answers: { status: number; retryAfter: string | null; at: number }[] = [];
    const tessera = new Tessera({
      baseUrl: t.url,
      apiKey: key,
      env: {},
      useProfile: false,
      fetch: async (request) => {
        const response = await fetch(request as Request);
        answers.push({
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          at: performance.now(),
        });
        return response;
      },
    });

    await expect(tessera.verify()).resolves.toMatchObject({ principal_type: 'api_key' });
    expect(answers.map((a) => a.status)).toEqual([429, 200]);
    const retryAfterSeconds = Number(answers[0].retryAfter);
    expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(retryAfterSeconds).toBeLessThanOrEqual(3);
    // Not before the server said: the retry came at least Retry-After seconds later.
    expect(answers[1].at - answers[0].at).toBeGreaterThanOrEqual(retryAfterSeconds * 1000);
  });

  it('gives up at once with the 429 when Retry-After is longer than it may wait', async () => {
    const key = await exhaustedKey(120);
    let sent = 0;
    const tessera = new Tessera({
      baseUrl: t.url,
      apiKey: key,
      env: {},
      useProfile: false,
      retry: { maxRetryAfterMs: 60_000 },
      fetch: (request) => {
        sent++;
        return fetch(request as Request);
      },
    });
    const error = await tessera.verify().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TesseraError);
    expect(error).toMatchObject({
      status: 429,
      detail: expect.stringMatching(/^Rate limit exceeded\. Retry after \d+ seconds\.$/),
      retryAfterSeconds: expect.any(Number),
    });
    expect((error as TesseraError).retryAfterSeconds).toBeGreaterThan(60);
    expect(sent).toBe(1);
  });

  it('does not ask again for a key out of credits that nothing refills (a 429 without Retry-After)', async () => {
    const user = await createUser(t, 'no-credits');
    const { key } = await createApiKey(t, bearer(user.accessToken), {
      name: 'no credits',
      scopes: ['translate:read'],
      remaining: 0,
    });
    let sent = 0;
    const tessera = new Tessera({
      baseUrl: t.url,
      apiKey: key,
      env: {},
      useProfile: false,
      fetch: (request) => {
        sent++;
        return fetch(request as Request);
      },
    });
    const error = await tessera.verify().catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      status: 429,
      code: 'no_remaining_credits',
      detail: 'API key has no remaining credits',
      retryAfterSeconds: undefined,
    });
    expect(sent).toBe(1);
  });
  /**
   * A 503 that comes after Tessera made the change (README: "a request that got 503 may have
   * made its change"): the request goes through, and the first answer to `path` is replaced by
   * a 503 with Retry-After 0.
   */
  function committedThen503(path: string) {
    const sent: string[] = [];
    let failed = false;
    const impl = async (input: Request) => {
      const real = await fetch(input);
      sent.push(`${input.method} ${new URL(input.url).pathname} ${real.status}`);
      if (failed || new URL(input.url).pathname !== path) return real;
      failed = true;
      return new Response('{"detail":"Service unavailable"}', {
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '0' },
      });
    };
    return { sent, fetch: impl as unknown as typeof fetch };
  }

  /** A client signed in as `user` (or with `accessToken` instead), sending through `fetch`. */
  const sessionClient = (user: TestUser, fetch: typeof globalThis.fetch, accessToken?: string) =>
    new Tessera({
      baseUrl: t.url,
      env: {},
      useProfile: false,
      credential: userSessionCredential({
        accessToken: accessToken ?? user.accessToken,
        refreshToken: user.refreshToken,
      }),
      fetch,
    });

  it('does not send a POST again after a 503: one API key is made, not two', async () => {
    const user = await createUser(t, 'post-503');
    const { sent, fetch: committed } = committedThen503('/v1/api-keys');
    const tessera = sessionClient(user, committed);
    const error = await tessera.api
      .POST('/v1/api-keys', { body: { name: 'once', scopes: ['translate:read'] } })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503 });
    expect(sent).toEqual(['POST /v1/api-keys 201']);
    const keys = await request(t.http).get('/v1/api-keys').set(bearer(user.accessToken));
    expect(keys.body.data.filter((k: { name: string }) => k.name === 'once')).toHaveLength(1);
  });

  it('does not spend a refresh token twice after a 503, which would end the session', async () => {
    const user = await createUser(t, 'refresh-503');
    const { sent, fetch: committed } = committedThen503('/v1/auth/refresh');
    // An access token refused as an expired one would be.
    const tessera = sessionClient(user, committed, 'eyJhbGciOiJSUzI1NiJ9.e30.refused');
    await expect(tessera.verify()).rejects.toMatchObject({ status: 503 });
    expect(sent).toEqual(['GET /v1/auth/verify 401', 'POST /v1/auth/refresh 200']);
    // The session lives on: its access token still passes.
    await request(t.http).get('/v1/auth/verify').set(bearer(user.accessToken)).expect(200);
  });

  it('asks again for a read after a 503', async () => {
    const user = await createUser(t, 'get-503');
    const { sent, fetch: committed } = committedThen503('/v1/auth/verify');
    const tessera = sessionClient(user, committed);
    await expect(tessera.verify()).resolves.toMatchObject({ principal_type: 'user' });
    expect(sent).toEqual(['GET /v1/auth/verify 200', 'GET /v1/auth/verify 200']);
  });
});

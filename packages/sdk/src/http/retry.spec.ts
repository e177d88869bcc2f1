import { DEFAULT_RETRY, retryDelayMs, retryingFetch } from './retry';

const answer = (status: number, headers: Record<string, string> = {}) =>
  new Response(null, { status, headers });

describe('retryDelayMs', () => {
  const maxRandom = () => 0.999;

  it('retries 429 and 503 only', () => {
    for (const status of [400, 401, 403, 404, 409, 422, 500, 502, 504]) {
      expect(retryDelayMs(answer(status), 1, DEFAULT_RETRY)).toBeNull();
    }
    expect(retryDelayMs(answer(429, { 'retry-after': '1' }), 1, DEFAULT_RETRY)).not.toBeNull();
    expect(retryDelayMs(answer(503), 1, DEFAULT_RETRY)).not.toBeNull();
  });

  it('asks again after a 503 only for a read: a POST may have made its change', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) {
      expect(retryDelayMs(answer(503), 1, DEFAULT_RETRY, Math.random, method)).not.toBeNull();
    }
    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE']) {
      expect(retryDelayMs(answer(503), 1, DEFAULT_RETRY, Math.random, method)).toBeNull();
      const limited = answer(429, { 'retry-after': '1' });
      expect(retryDelayMs(limited, 1, DEFAULT_RETRY, Math.random, method)).not.toBeNull();
    }
  });

  it('does not ask again after a 429 that says no time to come back (a key out of credits)', () => {
    expect(retryDelayMs(answer(429), 1, DEFAULT_RETRY)).toBeNull();
  });

  it('waits Retry-After (seconds or an HTTP date) plus at most 10% or 1 s of jitter', () => {
    expect(retryDelayMs(answer(429, { 'retry-after': '2' }), 1, DEFAULT_RETRY, () => 0)).toBe(2000);
    const most = retryDelayMs(answer(429, { 'retry-after': '2' }), 1, DEFAULT_RETRY, maxRandom)!;
    expect(most).toBeGreaterThan(2000);
    expect(most).toBeLessThan(2200);
    const longest = retryDelayMs(
      answer(503, { 'retry-after': '50' }),
      1,
      DEFAULT_RETRY,
      maxRandom,
    )!;
    expect(longest).toBeLessThan(51_000);
    const date = new Date(Date.now() + 5_000).toUTCString();
    const byDate = retryDelayMs(answer(503, { 'retry-after': date }), 1, DEFAULT_RETRY, () => 0)!;
    expect(byDate).toBeGreaterThanOrEqual(4_000);
    expect(byDate).toBeLessThanOrEqual(5_000);
  });

  it('does not wait for a Retry-After beyond maxRetryAfterMs', () => {
    const response = answer(429, { 'retry-after': '61' });
    expect(retryDelayMs(response, 1, DEFAULT_RETRY)).toBeNull();
    expect(retryDelayMs(response, 1, { ...DEFAULT_RETRY, maxRetryAfterMs: 61_000 })).not.toBeNull();
  });

  it('backs off exponentially with full jitter, capped, without Retry-After', () => {
    const ceilings = [1, 2, 3].map((attempt) =>
      retryDelayMs(answer(503), attempt, DEFAULT_RETRY, maxRandom),
    );
    expect(ceilings.map((ms) => Math.round(ms!))).toEqual([500, 999, 1998]);
    const capped = retryDelayMs(answer(503), 3, { ...DEFAULT_RETRY, maxDelayMs: 700 }, maxRandom);
    expect(capped).toBeLessThan(700);
    expect(retryDelayMs(answer(503), 2, DEFAULT_RETRY, () => 0)).toBe(0);
  });

  it('stops after maxAttempts', () => {
    expect(retryDelayMs(answer(503), 4, DEFAULT_RETRY)).toBeNull();
    expect(retryDelayMs(answer(503), 1, { ...DEFAULT_RETRY, maxAttempts: 1 })).toBeNull();
  });
});

describe('retryingFetch', () => {
  it('sends a fresh copy of the request, body included, on every attempt', async () => {
    const bodies: string[] = [];
    const statuses = [429, 429, 201];
    const send = retryingFetch(
      async (input) => {
        bodies.push(await (input as Request).text());
        const status = statuses.shift()!;
        return answer(status, { 'retry-after': '0' });
      },
      {},
      () => Promise.resolve(),
    );
    const response = await send(
      new Request('http://tessera.test/v1/x', { method: 'POST', body: '{"a":1}' }),
    );
    expect(response.status).toBe(201);
    expect(bodies).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
  });

  it('hands back the last refusal once the attempts are spent', async () => {
    let sent = 0;
    const send = retryingFetch(
      () => {
        sent++;
        return Promise.resolve(answer(503));
      },
      { maxAttempts: 3 },
      () => Promise.resolve(),
    );
    await expect(send(new Request('http://tessera.test/'))).resolves.toMatchObject({ status: 503 });
    expect(sent).toBe(3);
  });
});

import {
  ApiError,
  INVALID_CREDENTIAL,
  MissingScopeError,
  TooManyRequestsError,
  UnauthorizedError,
} from './api-errors';

/** Lines of a stack trace that name a frame (`    at f (file:1:2)`). */
const frames = (error: Error) =>
  (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));

describe('contract errors (refusals made cheaply, issue #21)', () => {
  it('capture no stack trace, and leave the limit as it was for every other error', () => {
    const limit = Error.stackTraceLimit;
    expect(frames(new UnauthorizedError('API key revoked', 'api_key_refused'))).toEqual([]);
    expect(frames(new TooManyRequestsError(30))).toEqual([]);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(frames(new Error('a fault'))).not.toEqual([]);
  });

  it('carry the contract body, serialized once', () => {
    const error = new MissingScopeError('translate:write');
    expect(JSON.parse(error.body)).toEqual({
      detail: 'Missing scope: translate:write',
      code: 'missing_scope',
    });
    expect(error.body).toBe(error.body);
    expect(INVALID_CREDENTIAL.body).toBe('{"detail":"Invalid or expired token"}');
    expect(INVALID_CREDENTIAL.getStatus()).toBe(401);
  });

  it('give one 429 per whole number of seconds, with its Retry-After', () => {
    const refusal = TooManyRequestsError.after(29.2);
    expect(TooManyRequestsError.after(29.9)).toBe(refusal);
    expect(TooManyRequestsError.after(30.1)).not.toBe(refusal);
    expect(refusal.getStatus()).toBe(429);
    expect(refusal.headers).toEqual({ 'Retry-After': '30' });
    expect(refusal.retryAfterSeconds).toBe(30);
    expect(JSON.parse(refusal.body)).toEqual({
      detail: 'Rate limit exceeded. Retry after 30 seconds.',
      code: 'rate_limited',
    });
    // Never less than a second, and nothing in a shared answer can be changed.
    expect(TooManyRequestsError.after(0).headers).toEqual({ 'Retry-After': '1' });
    expect(Object.isFrozen(refusal.headers)).toBe(true);
  });

  it('make a fresh 429 past an hour, as no window is longer', () => {
    const long = TooManyRequestsError.after(7200);
    expect(long).not.toBe(TooManyRequestsError.after(7200));
    expect(long.headers).toEqual({ 'Retry-After': '7200' });
  });

  it('are still ApiErrors with the detail the filter reads', () => {
    expect(INVALID_CREDENTIAL).toBeInstanceOf(ApiError);
    expect(INVALID_CREDENTIAL.detail).toBe('Invalid or expired token');
    expect(INVALID_CREDENTIAL.message).toBe('Invalid or expired token');
  });
});

import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * The errors the contract knows. Each carries the human `detail` the client sees and, where a
 * client may branch on it, a stable `code`. The one exception filter turns them into
 * `{"detail": ..., "code"?: ...}`.
 *
 * They are answers, not faults, and have no stack trace: none is ever logged or shown, and
 * capturing one cost ~15% of the CPU of a refused request (issue #21, docs/performance.md).
 * Nothing may change one once made: the commonest are made once and thrown again and again
 * (INVALID_CREDENTIAL, TooManyRequestsError.after).
 */
export class ApiError extends HttpException {
  private serialized: string | undefined;

  constructor(
    status: number,
    readonly detail: string,
    readonly code?: string,
    readonly headers: Readonly<Record<string, string>> = NO_HEADERS,
  ) {
    // V8 reads the limit when the Error is constructed; HttpException's constructor cannot throw.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail, status);
    Error.stackTraceLimit = stackTraceLimit;
  }

  /** The answer's body, `{"detail", "code"?}`, serialized once per error. */
  get body(): string {
    this.serialized ??= JSON.stringify(
      this.code ? { detail: this.detail, code: this.code } : { detail: this.detail },
    );
    return this.serialized;
  }
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export class BadRequestError extends ApiError {
  constructor(detail: string, code?: string) {
    super(HttpStatus.BAD_REQUEST, detail, code);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(detail = 'Invalid or expired token', code?: string) {
    super(HttpStatus.UNAUTHORIZED, detail, code);
  }
}

/**
 * 401 "Invalid or expired token", the one answer to a credential that is no valid one (a made-up
 * key, an unknown one, a bad token), made once: a client calling on with it costs no more than
 * one that is let in.
 */
export const INVALID_CREDENTIAL = new UnauthorizedError();

export class ForbiddenError extends ApiError {
  constructor(detail: string, code?: string) {
    super(HttpStatus.FORBIDDEN, detail, code);
  }
}

export class MissingPermissionError extends ForbiddenError {
  constructor(permission: string) {
    super(`Missing permission: ${permission}`, 'missing_permission');
  }
}

export class MissingScopeError extends ForbiddenError {
  constructor(scope: string) {
    super(`Missing scope: ${scope}`, 'missing_scope');
  }
}

export class NotFoundError extends ApiError {
  constructor(detail = 'Not found') {
    super(HttpStatus.NOT_FOUND, detail);
  }
}

export class ConflictError extends ApiError {
  constructor(detail: string, code?: string) {
    super(HttpStatus.CONFLICT, detail, code);
  }
}

/** 503: a dependency the answer needs (Redis, for state every instance must share) is down. */
export class ServiceUnavailableError extends ApiError {
  constructor(detail = 'Service unavailable') {
    super(HttpStatus.SERVICE_UNAVAILABLE, detail, 'unavailable');
  }
}

export class TooManyRequestsError extends ApiError {
  /** Whole seconds, as Retry-After says them (at least 1). */
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      `Rate limit exceeded. Retry after ${seconds} seconds.`,
      'rate_limited',
      Object.freeze({ 'Retry-After': String(seconds) }),
    );
    this.retryAfterSeconds = seconds;
  }

  /**
   * The refusal for `retryAfterSeconds` (rounded up to whole seconds), made once per distinct
   * answer: a caller over its limit gets the same few every second (issue #21).
   */
  static after(retryAfterSeconds: number): TooManyRequestsError {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    if (seconds > LONGEST_SHARED_RETRY_SECONDS) return new TooManyRequestsError(seconds);
    let made = madeRefusals[seconds];
    if (made === undefined) {
      made = new TooManyRequestsError(seconds);
      madeRefusals[seconds] = made;
    }
    return made;
  }
}

/**
 * 429 for an API key whose usage credits are spent (Unkey's `remaining` at 0), with Retry-After
 * when a refill will give it more: the seconds until then.
 */
export class NoRemainingCreditsError extends ApiError {
  constructor(retryAfterSeconds: number | null) {
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      'API key has no remaining credits',
      'no_remaining_credits',
      retryAfterSeconds === null
        ? NO_HEADERS
        : Object.freeze({ 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) }),
    );
  }
}

/** Windows are at most an hour (API keys' limits), so every usual answer is among these. */
const LONGEST_SHARED_RETRY_SECONDS = 3600;
const madeRefusals: (TooManyRequestsError | undefined)[] = [];

/** One entry of a 422 answer, in the contract's (FastAPI-like) shape. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export class RequestValidationError extends HttpException {
  constructor(readonly issues: ValidationIssue[]) {
    super('Validation failed', HttpStatus.UNPROCESSABLE_ENTITY);
  }

  /** The pipe knows where the value came from (body, query, path); prefix every `loc` with it. */
  locatedIn(source: string): RequestValidationError {
    return new RequestValidationError(this.issues.map((i) => ({ ...i, loc: [source, ...i.loc] })));
  }
}

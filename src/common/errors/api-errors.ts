import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * The errors the contract knows. Each carries the human `detail` the client sees and, where a
 * client may branch on it, a stable `code`. The one exception filter turns them into
 * `{"detail": ..., "code"?: ...}`.
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly detail: string,
    readonly code?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail, status);
  }
}

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

export class TooManyRequestsError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      `Rate limit exceeded. Retry after ${seconds} seconds.`,
      'rate_limited',
      { 'Retry-After': String(seconds) },
    );
  }
}

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

import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * The errors of the OAuth 2.0 endpoints (RFC 6749 section 5.2 and 4.1.2.1, RFC 6750 section 3.1,
 * RFC 8628 section 3.5), after node-oidc-provider's lib/helpers/errors.js: one class per `error`
 * code, each with its status and a default description. The one exception filter answers them on
 * /oauth/* as `{"error", "error_description"}` with `Cache-Control: no-store`, and anywhere else
 * in the contract's shape, `{"detail": description, "code": error}`.
 */
export class OAuthError extends HttpException {
  constructor(
    /** The RFC's error code, e.g. `invalid_grant`. */
    readonly error: string,
    /** Human-readable, shown to the client: never a secret, never internal details. */
    readonly description: string,
    status: number = HttpStatus.BAD_REQUEST,
    readonly headers: Record<string, string> = {},
  ) {
    super(description, status);
  }
}

/** A parameter missing, repeated, malformed or unsupported (RFC 6749 section 5.2). */
export class InvalidRequest extends OAuthError {
  constructor(description = 'The request is missing a parameter or is otherwise malformed') {
    super('invalid_request', description);
  }
}

/**
 * Client authentication failed (unknown client, wrong secret, no or several authentication
 * methods). RFC 6749 section 5.2: a client that authenticated with the Authorization header gets
 * 401 and a challenge of its scheme; otherwise 400, as a 401 must always carry a challenge
 * (RFC 9110 section 15.5.2) and a Basic one would make browsers of public clients prompt.
 */
export class InvalidClient extends OAuthError {
  constructor(
    description = 'Client authentication failed',
    options: { viaAuthorizationHeader: boolean } = { viaAuthorizationHeader: false },
  ) {
    super(
      'invalid_client',
      description,
      options.viaAuthorizationHeader ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST,
      options.viaAuthorizationHeader ? { 'WWW-Authenticate': 'Basic realm="tessera"' } : {},
    );
  }
}

/** The code, refresh token or assertion is invalid, expired, revoked or someone else's. */
export class InvalidGrant extends OAuthError {
  constructor(description = 'The grant is invalid, expired or revoked') {
    super('invalid_grant', description);
  }
}

/** The client may not use this grant type. */
export class UnauthorizedClient extends OAuthError {
  constructor(description = 'The client is not allowed to use this grant type') {
    super('unauthorized_client', description);
  }
}

export class UnsupportedGrantType extends OAuthError {
  constructor(description = 'Unsupported grant_type') {
    super('unsupported_grant_type', description);
  }
}

export class UnsupportedResponseType extends OAuthError {
  constructor(description = 'Unsupported response_type') {
    super('unsupported_response_type', description);
  }
}

/** The scope asked for is unknown, malformed, or beyond what the client or grant may have. */
export class InvalidScope extends OAuthError {
  constructor(description = 'The requested scope is invalid or exceeds what is allowed') {
    super('invalid_scope', description);
  }
}

/** The resource owner or the server refused the request. */
export class AccessDenied extends OAuthError {
  constructor(description = 'Access denied', status: number = HttpStatus.BAD_REQUEST) {
    super('access_denied', description, status);
  }
}

/** A bearer token that is missing, expired, revoked or malformed (RFC 6750 section 3.1). */
export class InvalidToken extends OAuthError {
  constructor(description = 'Invalid or expired token', options: { missing?: boolean } = {}) {
    // Without any credential, RFC 6750 asks for a challenge without an error code.
    super('invalid_token', description, HttpStatus.UNAUTHORIZED, {
      'WWW-Authenticate': options.missing
        ? 'Bearer realm="tessera"'
        : 'Bearer error="invalid_token"',
    });
  }
}

/** The bearer token lacks a scope the resource needs (RFC 6750 section 3.1). */
export class InsufficientScope extends OAuthError {
  constructor(description = 'Insufficient scope') {
    super('insufficient_scope', description, HttpStatus.FORBIDDEN, {
      'WWW-Authenticate': 'Bearer error="insufficient_scope"',
    });
  }
}

/** Something unexpected: the description never says what. */
export class ServerError extends OAuthError {
  constructor() {
    super('server_error', 'Internal server error', HttpStatus.INTERNAL_SERVER_ERROR);
  }
}

/**
 * Try again later: a dependency is down (503), or the caller is over a rate limit (429 with
 * Retry-After). RFC 6749 has no rate-limit code; this is its one "later" code, and HTTP's 429 and
 * Retry-After tell any client how long.
 */
export class TemporarilyUnavailable extends OAuthError {
  constructor(
    description = 'Service temporarily unavailable',
    options: { retryAfterSeconds?: number; status?: number } = {},
  ) {
    const status = options.status ?? HttpStatus.SERVICE_UNAVAILABLE;
    const headers: Record<string, string> =
      options.retryAfterSeconds === undefined
        ? {}
        : { 'Retry-After': String(Math.max(1, Math.ceil(options.retryAfterSeconds))) };
    super('temporarily_unavailable', description, status, headers);
  }
}

/**
 * Device authorization grant only (RFC 8628 section 3.5): the device polls the token endpoint too
 * often and must add 5 seconds to its interval. A 400, as the RFC says; not a general rate limit.
 */
export class SlowDown extends OAuthError {
  constructor(description = 'Polling too often: increase the interval by 5 seconds') {
    super('slow_down', description);
  }
}

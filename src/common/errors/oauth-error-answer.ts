import { HttpStatus } from '@nestjs/common';
import type { ErrorAnswer } from './all-exceptions.filter';
import { MissingScopeError, RequestValidationError, ValidationIssue } from './api-errors';
import {
  AccessDenied,
  InsufficientScope,
  InvalidToken,
  OAuthError,
  ServerError,
  TemporarilyUnavailable,
} from './oauth-errors';

/** Where errors are answered in RFC 6749's shape: the OAuth endpoints (API.md: "on /oauth/* only"). */
export function isOAuthPath(url: string): boolean {
  return url.startsWith('/oauth/') || url === '/oauth' || url.startsWith('/oauth?');
}

const MAX_DESCRIBED_ISSUES = 5;
const MAX_DESCRIPTION_LENGTH = 300;

/**
 * Any error on /oauth/* as RFC 6749 section 5.2 answers it: `{"error", "error_description"}`,
 * never cached. OAuth errors answer as they are; the others are translated from the contract's
 * answer (`contract`, computed by toErrorAnswer): a 422 becomes `invalid_request` 400 (the RFC's
 * code for a missing or malformed parameter), a 401 `invalid_token` and a missing scope
 * `insufficient_scope` (RFC 6750: the routes behind Tessera's credentials there take bearer
 * tokens), a 429 or 503 `temporarily_unavailable` with its status and Retry-After, anything
 * unexpected `server_error` 500 with the request id and nothing else, and every other 4xx
 * (malformed JSON, 404, 413, 415...) `invalid_request` with its own status.
 */
export function toOAuthErrorAnswer(error: unknown, contract: ErrorAnswer): ErrorAnswer {
  const oauth = asOAuthError(error, contract);
  const body: Record<string, unknown> = {
    error: oauth.error,
    error_description: asErrorDescription(oauth.description),
  };
  if (oauth instanceof ServerError && contract.body.request_id !== undefined) {
    body.request_id = contract.body.request_id;
  }
  return {
    status: oauth.getStatus(),
    body,
    headers: { ...contract.headers, ...oauth.headers, 'Cache-Control': 'no-store' },
  };
}

function asOAuthError(error: unknown, contract: ErrorAnswer): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof RequestValidationError) {
    return new OAuthError('invalid_request', describeIssues(error.issues));
  }
  if (error instanceof MissingScopeError) return new InsufficientScope(error.detail);
  const detail = typeof contract.body.detail === 'string' ? contract.body.detail : 'Bad request';
  switch (contract.status) {
    case HttpStatus.UNAUTHORIZED:
      return new InvalidToken(detail, { missing: contract.body.code === 'missing_credentials' });
    case HttpStatus.FORBIDDEN:
      return new AccessDenied(detail, HttpStatus.FORBIDDEN);
    case HttpStatus.TOO_MANY_REQUESTS:
      return new TemporarilyUnavailable(detail, { status: HttpStatus.TOO_MANY_REQUESTS });
    case HttpStatus.SERVICE_UNAVAILABLE:
      return new TemporarilyUnavailable(detail);
  }
  if (contract.status >= 500) return new ServerError();
  return new OAuthError('invalid_request', detail, contract.status);
}

/** "grant_type: field required; scope: scope must be a string", the first few issues. */
function describeIssues(issues: readonly ValidationIssue[]): string {
  const described = issues.slice(0, MAX_DESCRIBED_ISSUES).map((issue) => {
    // loc[0] is where the value came from (body, query); the parameter's name follows.
    const name = issue.loc.length > 1 ? issue.loc.slice(1).join('.') : String(issue.loc[0]);
    return `${name.slice(0, 64)}: ${issue.msg}`;
  });
  const more = issues.length - described.length;
  return described.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/**
 * RFC 6749 allows only printable ASCII without `"` and `\` in error_description; field names in
 * it may be the client's own, so each other character is replaced and the text is bounded.
 */
export function asErrorDescription(text: string): string {
  const printable = text
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20-\x7e]/g, '?');
  return printable.length > MAX_DESCRIPTION_LENGTH
    ? `${printable.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`
    : printable;
}

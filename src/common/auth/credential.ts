import type { FastifyRequest } from 'fastify';
import { BadRequestError } from '../errors/api-errors';
import { canonicalUuid, isCanonicalUuid } from '../ids';

/** The query parameter an API key may come in (`?api_key=`): a credential, never a route's input. */
export const API_KEY_QUERY_PARAMETER = 'api_key';

/**
 * Where a credential may come from, in order: `Authorization: Bearer`, `X-API-Key`, and (unless
 * switched off) `?api_key=`. Which kind of credential it is gets decided by its shape later.
 */
export function extractCredential(
  request: FastifyRequest,
  allowQueryParam: boolean,
): string | null {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const bearer = bearerToken(authorization);
    if (bearer) return bearer;
  }
  const headerKey = request.headers['x-api-key'];
  if (typeof headerKey === 'string' && headerKey.length > 0) return headerKey.trim();
  if (allowQueryParam) {
    const query = request.query as Record<string, unknown> | undefined;
    const queryKey = query?.[API_KEY_QUERY_PARAMETER];
    if (typeof queryKey === 'string' && queryKey.length > 0) return queryKey;
  }
  return null;
}

/**
 * `Bearer <token>` (RFC 6750; the scheme case-insensitive) without scanning the token: it is
 * ~800 characters for an access token and this runs on every request. Whatever follows is
 * checked by its shape and signature (a JWT) or its hash (an API key) later.
 */
function bearerToken(authorization: string): string | null {
  if (authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') {
    return null;
  }
  const token = authorization.slice(7).trim();
  return token.length > 0 ? token : null;
}

/**
 * X-Organization-ID, or its alias X-Client-ID, as the canonical (lower-case) organization id:
 * every cache, counter and stored row then sees one spelling of it. Another case of a UUID is
 * the same id; anything else is a 400. Runs on every request: an id as issued is one regex test.
 */
export function requestedOrganizationId(request: FastifyRequest): string | null {
  const headers = request.headers;
  const named = headers['x-organization-id'];
  const value = named ?? headers['x-client-id'];
  if (typeof value !== 'string' || value.length === 0) return null;
  if (isCanonicalUuid(value)) return value;
  const id = canonicalUuid(value.trim());
  if (id === null) {
    const header = named === undefined ? 'X-Client-ID' : 'X-Organization-ID';
    throw new BadRequestError(
      `${header} must be an organization id (a UUID)`,
      'invalid_organization_id',
    );
  }
  return id;
}

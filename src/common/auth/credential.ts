import type { FastifyRequest } from 'fastify';

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
    const queryKey = query?.api_key;
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

/** X-Organization-ID, or its alias X-Client-ID. */
export function requestedOrganizationId(request: FastifyRequest): string | null {
  const value = request.headers['x-organization-id'] ?? request.headers['x-client-id'];
  return typeof value === 'string' && value.length > 0 ? value.trim() : null;
}

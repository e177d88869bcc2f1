import type { FastifyRequest } from 'fastify';

/**
 * The client an OAuth token request names (the token endpoint's rate-limit tracker): the client_id
 * of `Authorization: Basic` (client_secret_basic, RFC 6749 section 2.3.1: form-encoded, then
 * base64), else the `client_id` body parameter (client_secret_post, public clients). Only the
 * name: the secret is never read here, and whether the client exists is the token endpoint's
 * business (a made-up id is counted against its address's ceiling, see RateLimiter).
 */
export function oauthClientIdOf(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  // A client that chose the header is named by it alone (unreadable: by its address).
  if (authorization && /^basic /i.test(authorization)) return clientIdOfBasic(authorization);
  return clientIdOfBody(request.body);
}

function clientIdOfBasic(authorization: string): string | undefined {
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')) || undefined;
  } catch {
    return undefined; // malformed percent-encoding: the endpoint refuses it
  }
}

function clientIdOfBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const clientId = (body as { client_id?: unknown }).client_id;
  return typeof clientId === 'string' && clientId !== '' ? clientId : undefined;
}

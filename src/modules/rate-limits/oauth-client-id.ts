import type { FastifyRequest } from 'fastify';
import { unverifiedClaim } from '../../common/auth/jwt-shape';
import { basicCredentialsOf } from '../../common/http/basic-credentials';

/**
 * The client an OAuth token request names (the token endpoint's rate-limit tracker): the client_id
 * of `Authorization: Basic` (client_secret_basic, RFC 6749 section 2.3.1: form-encoded, then
 * base64), else the `client_id` body parameter (client_secret_post, public clients), else the
 * `iss` of a JWT bearer assertion (a service account). Only the name: no secret or signature is
 * checked here, and whether the client exists is the token endpoint's business (a made-up id is
 * counted against its address's ceiling, see RateLimiter).
 */
export function oauthClientIdOf(request: FastifyRequest): string | undefined {
  // A client that chose the header is named by it alone (unreadable: by its address).
  const basic = basicCredentialsOf(request.headers.authorization);
  if (basic !== null) return basic === 'malformed' ? undefined : basic.clientId;
  return clientIdOfBody(request.body) ?? issuerOfAssertion(request.body);
}

function clientIdOfBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const clientId = (body as { client_id?: unknown }).client_id;
  return typeof clientId === 'string' && clientId !== '' ? clientId : undefined;
}

/** Longer than any assertion the token endpoint takes (its parameters' limit): not read. */
const MAX_ASSERTION_LENGTH = 8_192;

/** The `iss` of the JWT bearer grant's assertion, unverified; undefined when unreadable. */
function issuerOfAssertion(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const assertion = (body as { assertion?: unknown }).assertion;
  if (typeof assertion !== 'string' || assertion.length > MAX_ASSERTION_LENGTH) return undefined;
  return unverifiedClaim(assertion, 'iss') ?? undefined;
}

import { InvalidRequest } from '../../../common/errors/oauth-errors';
import { parseScopeParameter } from '../oauth-scopes';

/** Every parameter the token endpoint and its grants read (RFC 6749, 7636, 7523, OIDC). */
export const TOKEN_PARAMETERS = [
  'grant_type',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'scope',
  'assertion',
] as const;

export type TokenParameterName = (typeof TOKEN_PARAMETERS)[number];
export type TokenParameters = Partial<Record<TokenParameterName, string>>;

/** Longer than any parameter Tessera issues or takes (a JWT assertion is the longest). */
const MAX_PARAMETER_LENGTH = 8_192;

/**
 * The parameters of a token, revocation or introspection request, from a form or JSON body.
 * RFC 6749 section 3.2: parameters sent without a value are treated as omitted, a parameter must
 * not be sent twice (invalid_request), and unrecognized ones are ignored.
 */
export function tokenParameters<N extends string>(
  body: unknown,
  names: readonly N[],
): Partial<Record<N, string>> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequest('The request body must be a form or a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const parameters: Partial<Record<N, string>> = {};
  for (const name of names) {
    const value = fields[name];
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) throw new InvalidRequest(`${name} must not be repeated`);
    if (typeof value !== 'string') throw new InvalidRequest(`${name} must be a string`);
    if (value.length > MAX_PARAMETER_LENGTH) throw new InvalidRequest(`${name} is too long`);
    parameters[name] = value;
  }
  return parameters;
}

/** A space-separated `scope` parameter as a list (RFC 6749 section 3.3); undefined if absent. */
export function requestedScopes(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const scopes = parseScopeParameter(scope);
  if (scopes === null) {
    throw new InvalidRequest('scope contains characters RFC 6749 does not allow');
  }
  return scopes;
}

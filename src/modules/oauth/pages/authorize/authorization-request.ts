import { hasScope } from '../../../../common/auth/scopes';
import {
  InvalidRequest,
  InvalidScope,
  OAuthError,
  UnauthorizedClient,
  UnsupportedResponseType,
} from '../../../../common/errors/oauth-errors';
import { charCount } from '../../../../common/validation/max-chars';
import { allowsGrantType, scopesOf } from '../../clients/oauth-client-fields';
import { isOidcScope } from '../../oidc-scopes';
import { parseScopeParameter } from '../../oauth-scopes';
import type { OAuthClient } from '../../storage/oauth-client.entity';

/** The `prompt` values honoured (OIDC Core section 3.1.2.1); discovery lists them. */
export const PROMPT_VALUES = ['none', 'login', 'consent'] as const;
export type Prompt = (typeof PROMPT_VALUES)[number];

/** Every parameter /oauth/authorize reads; any other is ignored (RFC 6749 section 3.1). */
const PARAMETERS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  'request',
  'request_uri',
  'registration',
] as const;

export type AuthorizationParameterName = (typeof PARAMETERS)[number];
export type AuthorizationParameters = Partial<Record<AuthorizationParameterName, string>>;

/** Far above any value a client needs (a state carrying a JWT included); the URL is bounded too. */
const MAX_PARAMETER_LENGTH = 4096;
/** The `nonce` column's width, in characters as the database counts them. */
const MAX_NONCE_CHARACTERS = 512;
/** An S256 challenge: the base64url SHA-256 of the verifier (RFC 7636 section 4.2). */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** The client, the redirect URI it registered, and the `state` to send back: where answers go. */
export interface AuthorizationTarget {
  client: OAuthClient;
  redirectUri: string;
  state: string | null;
}

/** A request checked against its client: what the consent page shows and the code carries. */
export interface AuthorizationRequest extends AuthorizationTarget {
  scopes: string[];
  nonce: string | null;
  /** S256 only; null only for a confidential client that sent none. */
  codeChallenge: string | null;
  prompt: ReadonlySet<Prompt>;
  maxAgeSeconds: number | null;
}

/**
 * The parameters of the query, and the names given more than once (RFC 6749 section 3.1: never
 * allowed). A parameter without a value counts as absent.
 */
export function readAuthorizationParameters(query: unknown): {
  parameters: AuthorizationParameters;
  repeated: AuthorizationParameterName[];
} {
  const fields = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const parameters: AuthorizationParameters = {};
  const repeated: AuthorizationParameterName[] = [];
  for (const name of PARAMETERS) {
    const value = fields[name];
    if (Array.isArray(value)) repeated.push(name);
    else if (typeof value === 'string' && value !== '') parameters[name] = value;
  }
  return { parameters, repeated };
}

/**
 * The request's checks once its client and redirect URI are known (errors from here on go back
 * to the redirect URI), in node-oidc-provider's order: what the server does not support, the
 * response type, what the client may ask for, PKCE, then the OpenID Connect parameters.
 */
export function checkAuthorizationRequest(
  target: AuthorizationTarget,
  parameters: AuthorizationParameters,
  repeated: readonly AuthorizationParameterName[],
): AuthorizationRequest {
  if (repeated.length > 0) throw new InvalidRequest(`${repeated[0]} must not be repeated`);
  const tooLong = Object.entries(parameters).find(([, v]) => v.length > MAX_PARAMETER_LENGTH);
  if (tooLong) throw new InvalidRequest(`${tooLong[0]} is too long`);
  refuseUnsupported(parameters);
  checkResponseType(parameters);
  assertAuthorizationCodeClient(target.client);
  const scopes = requestedScopes(parameters.scope);
  assertScopesAllowed(target.client, scopes);
  return {
    ...target,
    scopes,
    codeChallenge: proofKeyChallenge(target.client, parameters),
    nonce: nonceOf(parameters.nonce),
    prompt: promptOf(parameters.prompt),
    maxAgeSeconds: maxAgeOf(parameters.max_age),
  };
}

/** The client is registered for this flow (checked again when the consent form comes back). */
export function assertAuthorizationCodeClient(client: OAuthClient): void {
  if (!allowsGrantType(client, 'authorization_code')) {
    throw new UnauthorizedClient('The client is not registered for the authorization code grant');
  }
}

/**
 * Every scope asked for is one the client is registered for: an OpenID Connect scope by name, a
 * catalogue scope within the client's (a wildcard covers its resource). Checked again when the
 * consent form comes back, as the client may have been narrowed meanwhile.
 */
export function assertScopesAllowed(client: OAuthClient, scopes: readonly string[]): void {
  const registered = scopesOf(client);
  const resourceScopes = registered.filter((scope) => !isOidcScope(scope));
  const beyond = scopes.filter((scope) =>
    isOidcScope(scope) ? !registered.includes(scope) : !hasScope(resourceScopes, scope),
  );
  if (beyond.length > 0) {
    throw new InvalidScope(`Not allowed for this client: ${beyond.join(' ')}`);
  }
}

/** Whether `granted` (a grant's scopes) covers every scope of `requested`, as above. */
export function coversScopes(granted: readonly string[], requested: readonly string[]): boolean {
  const resourceScopes = granted.filter((scope) => !isOidcScope(scope));
  return requested.every((scope) =>
    isOidcScope(scope) ? granted.includes(scope) : hasScope(resourceScopes, scope),
  );
}

/** Request objects and dynamic registration are not offered (OIDC Core section 6). */
function refuseUnsupported(parameters: AuthorizationParameters): void {
  if (parameters.request !== undefined) {
    throw new OAuthError('request_not_supported', 'Request objects are not supported');
  }
  if (parameters.request_uri !== undefined) {
    throw new OAuthError('request_uri_not_supported', 'request_uri is not supported');
  }
  if (parameters.registration !== undefined) {
    throw new OAuthError('registration_not_supported', 'registration is not supported');
  }
  if (parameters.response_mode !== undefined && parameters.response_mode !== 'query') {
    throw new InvalidRequest('Only response_mode=query is supported');
  }
}

/** `code` only: no implicit or hybrid flow (RFC 9700 section 2.1.2). */
function checkResponseType(parameters: AuthorizationParameters): void {
  if (parameters.response_type === undefined) throw new InvalidRequest('response_type is required');
  if (parameters.response_type !== 'code') {
    throw new UnsupportedResponseType('Only response_type=code is supported');
  }
}

/** RFC 6749 section 3.3: required here (no default set of scopes is assumed), deduplicated. */
function requestedScopes(scope: string | undefined): string[] {
  const scopes = parseScopeParameter(scope ?? '');
  if (scopes === null) {
    throw new InvalidScope('scope contains characters RFC 6749 does not allow');
  }
  if (scopes.length === 0) throw new InvalidScope('scope is required');
  return scopes;
}

/**
 * RFC 7636 and RFC 9700 section 2.1.1: S256 only (`plain`, and a challenge without a method,
 * which means `plain`, are refused); a public client, which proves nothing else, must send one.
 */
function proofKeyChallenge(
  client: OAuthClient,
  parameters: AuthorizationParameters,
): string | null {
  const { code_challenge: challenge, code_challenge_method: method } = parameters;
  if (challenge === undefined) {
    if (method !== undefined)
      throw new InvalidRequest('code_challenge_method without code_challenge');
    if (client.clientType === 'public') {
      throw new InvalidRequest('A public client must use PKCE: code_challenge is required');
    }
    return null;
  }
  if (method !== 'S256') {
    throw new InvalidRequest('code_challenge_method must be S256 (plain is not supported)');
  }
  if (!S256_CHALLENGE.test(challenge)) {
    throw new InvalidRequest('code_challenge must be an S256 challenge (43 base64url characters)');
  }
  return challenge;
}

function nonceOf(nonce: string | undefined): string | null {
  if (nonce === undefined) return null;
  if (charCount(nonce) > MAX_NONCE_CHARACTERS) {
    throw new InvalidRequest(`nonce must be at most ${MAX_NONCE_CHARACTERS} characters`);
  }
  return nonce;
}

/** OIDC Core section 3.1.2.1: known values only, and `none` alone. */
function promptOf(prompt: string | undefined): ReadonlySet<Prompt> {
  const values = new Set((prompt ?? '').split(' ').filter(Boolean));
  for (const value of values) {
    if (!(PROMPT_VALUES as readonly string[]).includes(value)) {
      throw new InvalidRequest(`Unsupported prompt value: ${value.slice(0, 40)}`);
    }
  }
  if (values.has('none') && values.size > 1) {
    throw new InvalidRequest('prompt=none cannot be combined with other values');
  }
  return values as Set<Prompt>;
}

/** Seconds since the user last authenticated that the client accepts (OIDC Core 3.1.2.1). */
function maxAgeOf(maxAge: string | undefined): number | null {
  if (maxAge === undefined) return null;
  if (!/^\d{1,10}$/.test(maxAge)) throw new InvalidRequest('max_age must be a number of seconds');
  return Number(maxAge);
}

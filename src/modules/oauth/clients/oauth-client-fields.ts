import { scopeList } from '../oauth-scopes';
import type { OAuthClient } from '../storage/oauth-client.entity';

/**
 * The stored form of a client's settings, read and written in one place: redirect URIs as JSON
 * arrays (kept exactly as registered), grant types and scopes space-separated (as OAuth writes
 * them). Pure functions, for the management API and the OAuth endpoints alike.
 */

/** The grant types a client may be registered for. The JWT bearer grant belongs to service accounts. */
export const CLIENT_GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
] as const;
export type ClientGrantType = (typeof CLIENT_GRANT_TYPES)[number];

/** What a client gets when it names none: the browser flow, with refresh tokens. */
export const DEFAULT_GRANT_TYPES: readonly ClientGrantType[] = [
  'authorization_code',
  'refresh_token',
];

/** OpenID Connect's scopes, which any client may be given (defined beside the grants). */
export { OIDC_SCOPES, isOidcScope } from '../oidc-scopes';

export const redirectUrisOf = (client: Pick<OAuthClient, 'redirectUris'>): string[] =>
  JSON.parse(client.redirectUris) as string[];

export const postLogoutRedirectUrisOf = (
  client: Pick<OAuthClient, 'postLogoutRedirectUris'>,
): string[] => JSON.parse(client.postLogoutRedirectUris) as string[];

export const grantTypesOf = (client: Pick<OAuthClient, 'grantTypes'>): ClientGrantType[] =>
  client.grantTypes.split(' ').filter(Boolean) as ClientGrantType[];

/** The most the client may ask for: catalogue scopes and OIDC scopes alike. */
export const scopesOf = (client: Pick<OAuthClient, 'scopes'>): string[] => scopeList(client.scopes);

/** Whether the client is registered for `grantType` (as the token endpoint's `grant_type` names it). */
export function allowsGrantType(
  client: Pick<OAuthClient, 'grantTypes'>,
  grantType: string,
): boolean {
  return (grantTypesOf(client) as string[]).includes(grantType);
}

/**
 * Whether `uri` is one of the client's redirect URIs: compared as strings, byte for byte, never
 * normalized or matched by prefix (RFC 9700 section 4.1.3). (RFC 8252 section 7.3 would let a
 * native app's loopback URI take any port; that relaxation, if wanted, belongs to /oauth/authorize.)
 */
export const isRegisteredRedirectUri = (
  client: Pick<OAuthClient, 'redirectUris'>,
  uri: string,
): boolean => redirectUrisOf(client).includes(uri);

export const isRegisteredPostLogoutRedirectUri = (
  client: Pick<OAuthClient, 'postLogoutRedirectUris'>,
  uri: string,
): boolean => postLogoutRedirectUrisOf(client).includes(uri);

/** The columns of these settings, as stored. */
export function storedFields(settings: {
  redirectUris: readonly string[];
  postLogoutRedirectUris: readonly string[];
  grantTypes: readonly ClientGrantType[];
  scopes: readonly string[];
}): Pick<OAuthClient, 'redirectUris' | 'postLogoutRedirectUris' | 'grantTypes' | 'scopes'> {
  return {
    redirectUris: JSON.stringify(settings.redirectUris),
    postLogoutRedirectUris: JSON.stringify(settings.postLogoutRedirectUris),
    grantTypes: settings.grantTypes.join(' '),
    scopes: settings.scopes.join(' '),
  };
}

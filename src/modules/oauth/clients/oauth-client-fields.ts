import type { OAuthClient } from '../storage/oauth-client.entity';

/** The grant types a client may use (stored space-separated). */
export function grantTypesOf(client: OAuthClient): string[] {
  return client.grantTypes.split(' ').filter(Boolean);
}

export function allowsGrantType(client: OAuthClient, grantType: string): boolean {
  return grantTypesOf(client).includes(grantType);
}

/** The most the client may ask for (stored space-separated). */
export function scopesOf(client: OAuthClient): string[] {
  return client.scopes.split(' ').filter(Boolean);
}

/** Exact redirect URIs (stored as a JSON array). */
export function redirectUrisOf(client: OAuthClient): string[] {
  return JSON.parse(client.redirectUris) as string[];
}

export function postLogoutRedirectUrisOf(client: OAuthClient): string[] {
  return JSON.parse(client.postLogoutRedirectUris) as string[];
}

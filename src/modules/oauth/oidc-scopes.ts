/**
 * OpenID Connect's scopes (Core section 5.4, 11): they ask for claims and refresh tokens, not for
 * access to /v1 routes, so they are never checked against the scope catalogue or a role.
 */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export function isOidcScope(scope: string): boolean {
  return (OIDC_SCOPES as readonly string[]).includes(scope);
}

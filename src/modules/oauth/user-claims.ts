import type { User } from '../users/user.entity';

/** The standard claims Tessera knows of a user (OIDC Core section 5.1), by the scope that asks. */
export interface UserClaims {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** Every claim the scopes below can release, for discovery's `claims_supported`. */
export const RELEASABLE_CLAIMS = ['email', 'email_verified', 'name'] as const;

/**
 * What the granted scopes release about the user, for the ID token and userinfo alike:
 * `email` gives the address and whether it is verified, `profile` the name. Tessera does not
 * verify addresses (registration takes them as typed), so `email_verified` is false: a client
 * must not treat the address as proven.
 */
export function userClaims(user: User, scopes: readonly string[]): UserClaims {
  const claims: UserClaims = {};
  if (scopes.includes('email')) {
    claims.email = user.email;
    claims.email_verified = false;
  }
  if (scopes.includes('profile')) claims.name = user.fullName;
  return claims;
}

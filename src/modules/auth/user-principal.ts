import type { UserPrincipal } from '../../common/auth/principal';
import type { Role } from '../organizations/roles';
import type { AccessTokenClaims } from '../tokens/access-tokens.service';

/** The one place a user access token becomes a principal, in the organization it acts in. */
export function userPrincipal(
  claims: AccessTokenClaims,
  organizationId: string,
  role: Role,
  scopes: readonly string[],
): UserPrincipal {
  return {
    type: 'user',
    subject: claims.sub,
    organizationId,
    scopes,
    role,
    expiresAt: new Date(claims.exp * 1000),
    sessionId: claims.sid,
    tokenId: claims.jti,
    mfa: Array.isArray(claims.amr) && claims.amr.includes('otp'),
    rateLimitPerHour: null,
    verified: claims,
  };
}

import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { requestedOrganizationId } from '../../common/auth/credential';
import {
  CredentialVerifier,
  CredentialVerifierProvider,
} from '../../common/auth/credential-verifier';
import { claimedTokenKind, looksLikeJwt } from '../../common/auth/jwt-shape';
import type { UserPrincipal } from '../../common/auth/principal';
import { presenting, verifiedBy } from '../../common/auth/run-strategy';
import { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import {
  ForbiddenError,
  INVALID_CREDENTIAL,
  UnauthorizedError,
} from '../../common/errors/api-errors';
import { MembershipRolesCache } from '../organizations/membership-roles.cache';
import type { Role } from '../organizations/roles';
import type { AccessTokenClaims } from '../tokens/access-tokens.service';
import { USER_TOKEN_KIND } from '../tokens/access-tokens.service';
import { AccessTokenCache } from './access-token.cache';
import { JwtStrategy } from './strategies/jwt.strategy';
import { userPrincipal } from './user-principal';

/**
 * A user's access token (an RS256 JWT whose `typ` is `user`), acting in the organization of
 * X-Organization-ID or the token's own, with the user's role there. Fully synchronous when the
 * token and the role are both cached.
 */
@Injectable()
@CredentialVerifierProvider({ order: 20 })
export class UserTokenVerifier implements CredentialVerifier<UserPrincipal> {
  readonly principalType = 'user';

  constructor(
    private readonly accessTokens: AccessTokenCache,
    private readonly jwtStrategy: JwtStrategy,
    private readonly roles: MembershipRolesCache,
    private readonly scopes: ScopeCatalogue,
  ) {}

  recognizes(credential: string): boolean {
    if (!looksLikeJwt(credential)) return false;
    return (
      this.accessTokens.get(credential) !== undefined ||
      claimedTokenKind(credential) === USER_TOKEN_KIND
    );
  }

  verify(token: string, request: FastifyRequest): UserPrincipal | Promise<UserPrincipal> {
    const cached = this.accessTokens.get(token);
    if (!cached) {
      return this.verifyUncached(token, request).then((claims) =>
        this.inRequested(claims, request),
      );
    }
    const organizationId = requestedOrganizationId(request) ?? cached.org_id;
    const role = this.roles.cachedRoleOf(cached.sub, organizationId);
    return role ? this.principal(cached, organizationId, role) : this.inRequested(cached, request);
  }

  /**
   * The user in an organization named by a route's path. Never an application acting for the
   * user: its grant is for one organization (the OAuth token verifier made that principal, and
   * the access guard asks the first verifier of the principal's type, this one).
   */
  async inOrganization(
    principal: UserPrincipal,
    organizationId: string,
  ): Promise<UserPrincipal | null> {
    if (principal.delegatedTo) return null;
    const role = await this.roles.roleOf(principal.subject, organizationId);
    if (!role) return null;
    return { ...principal, organizationId, role, scopes: this.scopes.scopesOfRole(role) };
  }

  /**
   * A token not cached (or whose entry ran out): the Passport strategy checks signature, denylist
   * and session; while the database cannot be reached, a stale entry answers instead.
   */
  private verifyUncached(token: string, request: FastifyRequest): Promise<AccessTokenClaims> {
    return this.accessTokens.verifyOrStale(token, async () => {
      const generation = this.accessTokens.generation();
      const claims = await verifiedBy<AccessTokenClaims>(
        this.jwtStrategy,
        presenting(request, token),
      );
      if (!claims) throw INVALID_CREDENTIAL;
      this.accessTokens.remember(token, claims, generation);
      return claims;
    });
  }

  private async inRequested(
    claims: AccessTokenClaims,
    request: FastifyRequest,
  ): Promise<UserPrincipal> {
    const requested = requestedOrganizationId(request);
    const organizationId = requested ?? claims.org_id;
    const role = await this.roles.roleOf(claims.sub, organizationId);
    if (!role) {
      if (requested) throw new ForbiddenError('Not a member of this organization', 'not_a_member');
      throw new UnauthorizedError('No longer a member of the token’s organization');
    }
    return this.principal(claims, organizationId, role);
  }

  private principal(claims: AccessTokenClaims, organizationId: string, role: Role): UserPrincipal {
    return userPrincipal(claims, organizationId, role, this.scopes.scopesOfRole(role));
  }
}

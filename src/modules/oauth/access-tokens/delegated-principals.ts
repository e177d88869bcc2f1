import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { requestedOrganizationId } from '../../../common/auth/credential';
import type { UserPrincipal } from '../../../common/auth/principal';
import type { Role } from '../../../common/auth/roles';
import { ScopeCatalogue } from '../../../common/auth/scope-catalogue';
import { narrowScopes } from '../../../common/auth/scopes';
import { ForbiddenError, UnauthorizedError } from '../../../common/errors/api-errors';
import { MembershipRolesCache } from '../../organizations/membership-roles.cache';
import { isOidcScope } from '../oidc-scopes';
import type { ValidOAuthToken } from './oauth-access-tokens';

/** What a token gives with one role, kept per verified token (its cache entry) and role. */
interface DelegatedScopes {
  role: Role;
  scopes: readonly string[];
  identityScopes: readonly string[];
}

/**
 * A token a user delegated to an application (`gid`: the authorization code grant) as the user
 * acting in the grant's organization, with the user's role there now (a role change narrows it
 * at once, MembershipRolesCache) and only the scopes both that role and the token carry. The
 * token's validity, its grant's included, is OAuthAccessTokens'. Synchronous when the role is
 * cached; the scopes are computed once per token and role.
 */
@Injectable()
export class DelegatedPrincipals {
  private readonly scopesByToken = new WeakMap<ValidOAuthToken, DelegatedScopes>();

  constructor(
    private readonly roles: MembershipRolesCache,
    private readonly catalogue: ScopeCatalogue,
  ) {}

  principal(
    valid: ValidOAuthToken,
    request: FastifyRequest,
  ): UserPrincipal | Promise<UserPrincipal> {
    const { claims } = valid;
    const requested = requestedOrganizationId(request);
    if (requested !== null && requested !== claims.org_id) {
      throw new ForbiddenError(
        'X-Organization-ID does not match the organization the user granted the application',
        'organization_mismatch',
      );
    }
    const role = this.roles.cachedRoleOf(claims.sub, claims.org_id);
    if (role) return this.make(valid, role);
    return this.roles.roleOf(claims.sub, claims.org_id).then((current) => {
      if (!current) throw new UnauthorizedError('No longer a member of the token’s organization');
      return this.make(valid, current);
    });
  }

  private make(valid: ValidOAuthToken, role: Role): UserPrincipal {
    const { claims } = valid;
    const { scopes, identityScopes } = this.scopesOf(valid, role);
    return {
      type: 'user',
      subject: claims.sub,
      organizationId: claims.org_id,
      role,
      scopes,
      expiresAt: new Date(claims.exp * 1000),
      rateLimitPerHour: null,
      sessionId: null,
      tokenId: claims.jti,
      mfa: false,
      delegatedTo: { clientId: claims.client_id, grantId: claims.gid!, identityScopes },
    };
  }

  /** The token's /v1 scopes within the role's, and its OpenID Connect scopes apart. */
  private scopesOf(valid: ValidOAuthToken, role: Role): DelegatedScopes {
    const known = this.scopesByToken.get(valid);
    if (known?.role === role) return known;
    const computed: DelegatedScopes = {
      role,
      scopes: resourceScopesWithin(valid.scopes, role, this.catalogue),
      identityScopes: valid.scopes.filter(isOidcScope),
    };
    this.scopesByToken.set(valid, computed);
    return computed;
  }
}

/** The resource (/v1) scopes of `scopes` that `role` holds (OpenID Connect's left out). */
function resourceScopesWithin(
  scopes: readonly string[],
  role: Role,
  catalogue: ScopeCatalogue,
): string[] {
  const resource = scopes.filter((scope) => !isOidcScope(scope));
  return narrowScopes(resource, catalogue.scopesOfRole(role));
}

/**
 * What a user's delegated scopes come to with their role: the resource scopes the role holds,
 * and the OpenID Connect scopes as they are (they are about the user, not the organization).
 * What a token acts with on /v1, what introspection reports and what the token endpoint issues.
 */
export function scopesWithinRole(
  scopes: readonly string[],
  role: Role,
  catalogue: ScopeCatalogue,
): string[] {
  const held = new Set(resourceScopesWithin(scopes, role, catalogue));
  // In the order granted; a wildcard the role holds only part of gives way to that part.
  const kept = scopes.filter((scope) => isOidcScope(scope) || held.has(scope));
  return [...kept, ...[...held].filter((scope) => !scopes.includes(scope))];
}

import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { requestedOrganizationId } from '../../common/auth/credential';
import type { Principal } from '../../common/auth/principal';
import { PrincipalResolver } from '../../common/auth/principal-resolver';
import { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import { ADMIN_SCOPE } from '../../common/auth/scopes';
import { secretMatcher } from '../../common/crypto/secrets';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../common/errors/api-errors';
import { EnvironmentVariables } from '../../config/env.schema';
import { MembershipRolesCache } from '../organizations/membership-roles.cache';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { Role } from '../organizations/roles';
import type { AccessTokenClaims } from '../tokens/access-tokens.service';
import { AccessTokenCache } from './access-token.cache';
import { looksLikeApiKey } from '../api-keys/api-key-format';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { JwtStrategy, PRESENTED_CREDENTIAL } from './strategies/jwt.strategy';
import { runStrategy } from './strategies/run-strategy';

/**
 * Tells credentials apart by shape and turns each into a Principal:
 * the instance administrator token, an API key (`<prefix>_<env>_...`), or a user access token.
 */
@Injectable()
export class CredentialPrincipalResolver extends PrincipalResolver {
  private readonly isAdminToken: ((credential: string) => boolean) | null;
  private readonly apiKeyPrefix: string;

  constructor(
    private readonly accessTokens: AccessTokenCache,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly jwtStrategy: JwtStrategy,
    private readonly roles: MembershipRolesCache,
    private readonly organizations: OrganizationsRepository,
    private readonly scopes: ScopeCatalogue,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    super();
    this.apiKeyPrefix = config.get('TESSERA_KEY_PREFIX', { infer: true });
    const adminToken = config.get('TESSERA_ADMIN_TOKEN', { infer: true });
    if (
      adminToken &&
      (looksLikeApiKey(adminToken, this.apiKeyPrefix) || looksLikeJwt(adminToken))
    ) {
      // Credentials are told apart by shape; an administrator token must not look like the others.
      throw new Error('TESSERA_ADMIN_TOKEN must not look like an API key or a JWT');
    }
    this.isAdminToken = adminToken ? secretMatcher(adminToken) : null;
  }

  /** Synchronous when every look-up hits a cache; a promise otherwise. */
  authenticate(credential: string, request: FastifyRequest): Principal | Promise<Principal> {
    if (looksLikeApiKey(credential, this.apiKeyPrefix)) {
      return this.apiKeys.authenticate(credential, request);
    }
    if (looksLikeJwt(credential)) {
      const cached = this.accessTokens.get(credential);
      if (!cached) {
        return this.verifyAccessToken(credential, request).then((claims) =>
          this.userPrincipal(claims, request),
        );
      }
      // Fully synchronous when the token and the caller's role there are both cached.
      const organizationId = requestedOrganizationId(request) ?? cached.org_id;
      const role = this.roles.cachedRoleOf(cached.sub, organizationId);
      return role
        ? this.userPrincipalWithRole(cached, organizationId, role)
        : this.userPrincipal(cached, request);
    }
    if (this.isAdminToken?.(credential)) {
      const organizationId = requestedOrganizationId(request);
      if (organizationId === null) return this.administrator(null);
      return this.organizationExists(organizationId).then((exists) => {
        if (!exists) throw new NotFoundError('Organization not found');
        return this.administrator(organizationId);
      });
    }
    throw new UnauthorizedError();
  }

  async inOrganization(principal: Principal, organizationId: string): Promise<Principal | null> {
    switch (principal.type) {
      case 'instance_admin':
        return (await this.organizationExists(organizationId))
          ? { ...principal, organizationId }
          : null;
      case 'user': {
        const role = await this.roles.roleOf(principal.subject, organizationId);
        return role ? this.withRole(principal, organizationId, role) : null;
      }
      default:
        return principal.organizationId === organizationId ? principal : null;
    }
  }

  /** A token not cached: the Passport strategy checks signature, denylist and session. */
  private async verifyAccessToken(
    token: string,
    request: FastifyRequest,
  ): Promise<AccessTokenClaims> {
    const generation = this.accessTokens.generation();
    (request as FastifyRequest & { [PRESENTED_CREDENTIAL]?: string })[PRESENTED_CREDENTIAL] = token;
    const claims = await runStrategy<AccessTokenClaims>(this.jwtStrategy, request);
    if (!claims) throw new UnauthorizedError();
    this.accessTokens.remember(token, claims, generation);
    return claims;
  }

  private async userPrincipal(
    claims: AccessTokenClaims,
    request: FastifyRequest,
  ): Promise<Principal> {
    const requested = requestedOrganizationId(request);
    const organizationId = requested ?? claims.org_id;
    const role = await this.roles.roleOf(claims.sub, organizationId);
    if (!role) {
      if (requested) throw new ForbiddenError('Not a member of this organization', 'not_a_member');
      throw new UnauthorizedError('No longer a member of the token’s organization');
    }
    return this.userPrincipalWithRole(claims, organizationId, role);
  }

  /** The user as a principal of the organization it acts in, with that role's scopes. */
  private userPrincipalWithRole(
    claims: AccessTokenClaims,
    organizationId: string,
    role: Role,
  ): Principal {
    return {
      type: 'user',
      subject: claims.sub,
      organizationId,
      scopes: this.scopes.scopesOfRole(role),
      role,
      environment: null,
      expiresAt: new Date(claims.exp * 1000),
      sessionId: claims.sid,
      tokenId: claims.jti,
      mfa: Array.isArray(claims.amr) && claims.amr.includes('otp'),
      rateLimitPerHour: null,
    };
  }

  private withRole(principal: Principal, organizationId: string, role: Role): Principal {
    return { ...principal, organizationId, role, scopes: this.scopes.scopesOfRole(role) };
  }

  /**
   * The administrator may act in any organization, but only one that exists: what it creates
   * there would otherwise point at nothing. One look-up, on the administrator's requests only.
   */
  private async organizationExists(organizationId: string): Promise<boolean> {
    return (await this.organizations.findById(organizationId)) !== null;
  }

  private administrator(organizationId: string | null): Principal {
    return {
      type: 'instance_admin',
      subject: 'instance_admin',
      organizationId,
      scopes: [ADMIN_SCOPE],
      role: null,
      environment: null,
      expiresAt: null,
      sessionId: null,
      tokenId: null,
      mfa: false,
      rateLimitPerHour: null,
    };
  }
}

/** Three non-empty dot-separated parts: the compact serialization of a JWS (no split: hot path). */
function looksLikeJwt(credential: string): boolean {
  const first = credential.indexOf('.');
  const second = first > 0 ? credential.indexOf('.', first + 1) : -1;
  return (
    second > first + 1 && second < credential.length - 1 && credential.indexOf('.', second + 1) < 0
  );
}

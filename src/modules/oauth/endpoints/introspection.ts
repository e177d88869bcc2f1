import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { unverifiedClaim } from '../../../common/auth/jwt-shape';
import { ScopeCatalogue } from '../../../common/auth/scope-catalogue';
import { narrowScopes } from '../../../common/auth/scopes';
import { InvalidClient } from '../../../common/errors/oauth-errors';
import { MembershipRolesCache } from '../../organizations/membership-roles.cache';
import { AccessTokensService } from '../../tokens/access-tokens.service';
import { scopesWithinRole } from '../access-tokens/delegated-principals';
import { OAuthAccessTokens } from '../access-tokens/oauth-access-tokens';
import { ClientAuthentication } from '../client-authentication';
import { scopesOf } from '../clients/oauth-client-fields';
import { OAuthGrants } from '../grants/oauth-grants';
import { OAUTH_REFRESH_TOKEN_PREFIX, OAuthRefreshTokens } from '../grants/oauth-refresh-tokens';
import type { OAuthClient } from '../storage/oauth-client.entity';
import { scopeList } from '../oauth-scopes';
import { tokenParameters } from '../token/token-parameters';
import {
  IntrospectableTokens,
  IntrospectableTokensProvider,
  IntrospectedToken,
} from './introspectable-tokens';

/** RFC 7662 section 2.2's answer; `org_id` is Tessera's (the organization the token acts in). */
export interface IntrospectionAnswer {
  active: boolean;
  scope?: string;
  client_id?: string;
  /** `Bearer` for an access token; `refresh_token` for a refresh token (node-oidc-provider's). */
  token_type?: 'Bearer' | 'refresh_token';
  exp?: number;
  iat?: number;
  sub?: string;
  aud?: string;
  iss?: string;
  jti?: string;
  org_id?: string;
}

const INACTIVE: IntrospectionAnswer = Object.freeze({ active: false }) as IntrospectionAnswer;

/**
 * POST /oauth/introspect (RFC 7662): a resource server, authenticated as a confidential client,
 * asks whether a token is active. It learns about access tokens of its own organization only,
 * (service accounts' too, IntrospectableTokens), and about a refresh token only if it is the
 * client the token was issued to (a resource server
 * is never sent one: anyone else presenting it leaked it). Any other token, like an unknown,
 * expired or revoked one, is `{"active": false}`; so is a token a user delegated once the user
 * is no longer a member of its organization, and such a token's scopes are those the user's role
 * there holds now (as on /v1). A verified access token is cached
 * (OAuthAccessTokens), so a resource server asking per request costs little.
 */
@Injectable()
export class Introspection implements OnApplicationBootstrap {
  private others: IntrospectableTokens[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly clientAuthentication: ClientAuthentication,
    private readonly tokens: OAuthAccessTokens,
    private readonly refreshTokens: OAuthRefreshTokens,
    private readonly grants: OAuthGrants,
    private readonly roles: MembershipRolesCache,
    private readonly issuer: AccessTokensService,
    private readonly catalogue: ScopeCatalogue,
  ) {}

  onApplicationBootstrap(): void {
    this.others = this.discovery
      .getProviders({ metadataKey: IntrospectableTokensProvider.KEY })
      .map((wrapper) => wrapper.instance as IntrospectableTokens | undefined)
      .filter((provider): provider is IntrospectableTokens => provider !== undefined);
  }

  async introspect(request: FastifyRequest): Promise<IntrospectionAnswer> {
    const parameters = tokenParameters(request.body, [
      'token',
      'token_type_hint',
      'client_id',
      'client_secret',
      'client_assertion',
      'client_assertion_type',
    ] as const);
    const { client, method } = await this.clientAuthentication.authenticate(request, parameters);
    if (method === 'none') {
      throw new InvalidClient('Introspection needs a confidential client');
    }
    if (parameters.token === undefined) return INACTIVE;
    // Told apart by their shape, whatever token_type_hint says (it is only a hint).
    if (parameters.token.startsWith(OAUTH_REFRESH_TOKEN_PREFIX)) {
      return this.refreshToken(parameters.token, client);
    }
    return this.accessToken(parameters.token, client);
  }

  private async accessToken(token: string, client: OAuthClient): Promise<IntrospectionAnswer> {
    const valid = await this.validate(token);
    if (!valid || valid.claims.org_id !== client.organizationId) return INACTIVE;
    const scopes = await this.scopesNow(valid);
    if (scopes === null) return INACTIVE;
    const { claims } = valid;
    return {
      active: true,
      scope: scopes.join(' '),
      client_id: claims.client_id,
      token_type: 'Bearer',
      exp: claims.exp,
      iat: claims.iat,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      jti: claims.jti,
      org_id: claims.org_id,
    };
  }

  /** An OAuth client's token, or one another module issues (by its unverified `client_id`). */
  private async validate(token: string): Promise<IntrospectedToken | null> {
    const cached = this.tokens.cached(token);
    if (cached) return cached;
    const clientId = unverifiedClaim(token, 'client_id');
    const other = clientId === null ? undefined : this.others.find((o) => o.issuesFor(clientId));
    return other ? other.validate(token) : this.tokens.validate(token);
  }

  /**
   * The scopes the token acts with now, as on /v1: a token a user delegated only while the user
   * is a member of its organization (else null), and only with what the user's role there holds.
   */
  private async scopesNow({
    claims,
    scopes,
  }: IntrospectedToken): Promise<readonly string[] | null> {
    if (claims.gid === undefined) return scopes;
    const role = await this.roles.roleOf(claims.sub, claims.org_id);
    return role === null ? null : scopesWithinRole(scopes, role, this.catalogue);
  }

  private async refreshToken(token: string, client: OAuthClient): Promise<IntrospectionAnswer> {
    const stored = await this.refreshTokens.find(token);
    if (!stored || stored.usedAt !== null || this.refreshTokens.isExpired(stored)) return INACTIVE;
    const grant = await this.grants.find(stored.grantId);
    if (!grant || grant.clientId !== client.id) return INACTIVE;
    const role = await this.roles.roleOf(grant.userId, grant.organizationId);
    if (role === null) return INACTIVE;
    return {
      active: true,
      scope: scopesWithinRole(
        narrowScopes(scopeList(stored.scopes), scopesOf(client)),
        role,
        this.catalogue,
      ).join(' '),
      client_id: grant.clientId,
      token_type: 'refresh_token',
      exp: Math.floor(stored.expiresAt.getTime() / 1000),
      iat: Math.floor(stored.createdAt.getTime() / 1000),
      sub: grant.userId,
      iss: this.issuer.issuer,
      org_id: grant.organizationId,
    };
  }
}

import { Injectable } from '@nestjs/common';
import { hasScope } from '../../../common/auth/scopes';
import { InvalidGrant, InvalidRequest, InvalidScope } from '../../../common/errors/oauth-errors';
import type { RequestOrigin } from '../../../common/http/request-origin';
import { MembershipRolesCache } from '../../organizations/membership-roles.cache';
import type { OAuthClient } from '../storage/oauth-client.entity';
import type { OAuthGrant } from '../storage/oauth-grant.entity';
import type { OAuthRefreshToken } from '../storage/oauth-refresh-token.entity';
import { OAuthAuditTrail } from '../oauth-audit-trail';
import { isOidcScope } from '../oidc-scopes';
import { scopeList } from '../oauth-scopes';
import { requestedScopes, TokenParameters } from '../token/token-parameters';
import { GrantTokens } from './grant-tokens';
import { GrantType, GrantTypeProvider, TokenAnswer, TokenRequest } from './grant-type';
import { OAuthGrants } from './oauth-grants';
import { OAuthRefreshTokens, RefreshTokenAlreadyUsed } from './oauth-refresh-tokens';

/** One answer for every refresh token that cannot be used, so none tells an attacker more. */
const INVALID_REFRESH_TOKEN = 'The refresh token is invalid, expired or was already used';

/**
 * `refresh_token` (RFC 6749 section 6): a client trades a refresh token of the user's grant for
 * new tokens and the family's next refresh token (rotation: each is good once, RFC 9700 section
 * 4.14.2). A used one presented again means it was stolen or replayed, and ends the whole grant
 * (unless it is a retry within REFRESH_TOKEN_RETRY_GRACE_SECONDS: OAuthRefreshTokens.mayBeRetry).
 * The family keeps the absolute end its code exchange gave it; `scope` may narrow the new access
 * token, never widen it (the refresh token keeps what was granted).
 */
@Injectable()
@GrantTypeProvider()
export class RefreshTokenGrant implements GrantType {
  readonly grantType = 'refresh_token';
  readonly parameters = ['refresh_token', 'scope'];

  constructor(
    private readonly refreshTokens: OAuthRefreshTokens,
    private readonly grants: OAuthGrants,
    private readonly roles: MembershipRolesCache,
    private readonly tokens: GrantTokens,
    private readonly audit: OAuthAuditTrail,
  ) {}

  async handler({ client, parameters, origin }: TokenRequest): Promise<TokenAnswer> {
    const presented = await this.presentedToken(parameters);
    const grant = await this.grantOf(presented, client.client);
    // A used one again is a reuse, unless it is the client's retry of an answer it lost.
    if (presented.usedAt !== null && !this.refreshTokens.mayBeRetry(presented)) {
      return this.refuseReuse(grant, client.client, origin);
    }
    if (this.refreshTokens.isExpired(presented)) throw new InvalidGrant(INVALID_REFRESH_TOKEN);
    const scopes = narrowedScopes(scopeList(presented.scopes), requestedScopes(parameters.scope));
    await this.assertStillMember(grant);
    // The presented token's use is written with its successor, after the rest has succeeded.
    const issued = this.tokens.issue({
      grantType: this.grantType,
      client: client.client,
      grant,
      scopes,
      authTime: presented.authTime,
      amr: presented.amr.split(' ').filter(Boolean),
      nonce: null,
      refreshToken: {
        scopes: scopeList(presented.scopes),
        expiresAt: presented.expiresAt,
        replaces: presented,
      },
      origin,
    });
    return issued.catch((error: unknown) => {
      if (error instanceof RefreshTokenAlreadyUsed) {
        return this.refuseReuse(grant, client.client, origin);
      }
      throw error;
    });
  }

  private async presentedToken(parameters: TokenParameters): Promise<OAuthRefreshToken> {
    if (parameters.refresh_token === undefined) {
      throw new InvalidRequest('refresh_token is required');
    }
    const token = await this.refreshTokens.find(parameters.refresh_token);
    if (!token) throw new InvalidGrant(INVALID_REFRESH_TOKEN);
    return token;
  }

  /**
   * The token's grant, which must still exist and be the presenting client's: another client's
   * token is refused before it is touched, so it can neither use nor burn it.
   */
  private async grantOf(token: OAuthRefreshToken, client: OAuthClient): Promise<OAuthGrant> {
    const grant = await this.grants.find(token.grantId);
    if (!grant || grant.clientId !== client.id) throw new InvalidGrant(INVALID_REFRESH_TOKEN);
    return grant;
  }

  /** A user who left the organization gets no new tokens there (the grant stays, for a return). */
  private async assertStillMember(grant: OAuthGrant): Promise<void> {
    if (!(await this.roles.roleOf(grant.userId, grant.organizationId))) {
      throw new InvalidGrant('The user is no longer a member of the organization');
    }
  }

  /** A used refresh token again: every token of its grant ends before the answer. */
  private async refuseReuse(
    grant: OAuthGrant,
    client: OAuthClient,
    origin: RequestOrigin,
  ): Promise<never> {
    await this.grants.end(grant, 'refresh_token_reused', { client, origin });
    this.audit.reuseDetected(client, {
      tokenType: 'refresh_token',
      grantId: grant.id,
      userId: grant.userId,
      origin,
    });
    throw new InvalidGrant(INVALID_REFRESH_TOKEN);
  }
}

/**
 * RFC 6749 section 6: what is asked for, each covered by the token's scopes; all if none. An
 * OpenID Connect scope must have been granted as such (no wildcard stands for `openid`).
 */
function narrowedScopes(granted: string[], requested: string[] | undefined): string[] {
  if (requested === undefined) return granted;
  const covered = (scope: string) =>
    isOidcScope(scope) ? granted.includes(scope) : hasScope(granted, scope);
  const beyond = requested.filter((scope) => !covered(scope));
  if (beyond.length > 0) {
    throw new InvalidScope(`Beyond what was granted: ${beyond.join(' ')}`);
  }
  return requested;
}

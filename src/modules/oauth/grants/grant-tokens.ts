import { Injectable } from '@nestjs/common';
import { ScopeCatalogue } from '../../../common/auth/scope-catalogue';
import { narrowScopes } from '../../../common/auth/scopes';
import { InvalidGrant } from '../../../common/errors/oauth-errors';
import type { RequestOrigin } from '../../../common/http/request-origin';
import { MembershipRolesCache } from '../../organizations/membership-roles.cache';
import { AccessTokensService } from '../../tokens/access-tokens.service';
import { scopesWithinRole } from '../access-tokens/delegated-principals';
import { scopesOf } from '../clients/oauth-client-fields';
import { IdTokens } from '../id-tokens';
import { OAuthAuditTrail } from '../oauth-audit-trail';
import type { OAuthClient } from '../storage/oauth-client.entity';
import type { OAuthGrant } from '../storage/oauth-grant.entity';
import type { TokenAnswer } from './grant-type';
import { OAuthGrants } from './oauth-grants';
import { OAuthRefreshTokens } from './oauth-refresh-tokens';

export interface GrantTokensRequest {
  grantType: string;
  client: OAuthClient;
  grant: OAuthGrant;
  /** The access token's scopes (and the ID token's claims). */
  scopes: readonly string[];
  authTime: Date;
  amr: readonly string[];
  nonce: string | null;
  /** The next refresh token of the family (its scopes and absolute end), or none. */
  refreshToken: { scopes: readonly string[]; expiresAt: Date } | null;
  origin: RequestOrigin;
}

/**
 * The tokens a user's grant gets at the token endpoint, for the authorization code and refresh
 * token grants alike: an access token acting for the user (`sub`) under the grant (`gid`), the
 * family's next refresh token, and an ID token when `openid` was granted.
 */
@Injectable()
export class GrantTokens {
  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly refreshTokens: OAuthRefreshTokens,
    private readonly idTokens: IdTokens,
    private readonly grants: OAuthGrants,
    private readonly audit: OAuthAuditTrail,
    private readonly roles: MembershipRolesCache,
    private readonly catalogue: ScopeCatalogue,
  ) {}

  async issue(request: GrantTokensRequest): Promise<TokenAnswer> {
    const { client, grant } = request;
    const scopes = await this.scopesNow(request);
    // First: it is what fails (invalid_grant) if the grant ended while this request ran.
    const refreshToken = request.refreshToken
      ? await this.refreshTokens.issue({
          grantId: grant.id,
          scopes: request.refreshToken.scopes,
          authTime: request.authTime,
          amr: request.amr.join(' '),
          expiresAt: request.refreshToken.expiresAt,
        })
      : undefined;
    const access = await this.accessTokens.issueOAuth({
      subject: grant.userId,
      clientId: client.id,
      organizationId: grant.organizationId,
      scopes,
      grantId: grant.id,
      authTime: request.authTime,
    });
    const answer: TokenAnswer = {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: scopes.join(' '),
    };
    if (refreshToken) answer.refresh_token = refreshToken;
    return this.complete(answer, { ...request, scopes });
  }

  /**
   * What the tokens carry: the scopes granted, within the client's registration now and the
   * user's role in the grant's organization now, so the answer's `scope`, the access token's
   * claim and the ID token's claims say what the token can do (on /v1 and at introspection the
   * role is applied again, should it change). The refresh token keeps the scopes granted: a
   * later refresh follows the role up as well as down.
   */
  private async scopesNow({ client, grant, scopes }: GrantTokensRequest): Promise<string[]> {
    const role = await this.roles.roleOf(grant.userId, grant.organizationId);
    if (role === null) {
      throw new InvalidGrant('The user is no longer a member of the grant’s organization');
    }
    return scopesWithinRole(narrowScopes(scopes, scopesOf(client)), role, this.catalogue);
  }

  /**
   * What every answer to a user's grant ends with, whoever made its tokens (this class, or
   * FirstPartySessions for Tessera's own console): an ID token when `openid` was granted, the
   * grant's last use, and the audit event.
   */
  async complete(
    answer: TokenAnswer,
    request: Omit<GrantTokensRequest, 'refreshToken'>,
  ): Promise<TokenAnswer> {
    const { client, grant, scopes } = request;
    if (scopes.includes('openid')) {
      answer.id_token = await this.idTokens.issue({
        client,
        userId: grant.userId,
        scopes,
        authTime: request.authTime,
        amr: request.amr,
        nonce: request.nonce,
        accessToken: answer.access_token,
      });
    }
    await this.grants.touch(grant.id);
    this.audit.tokenIssued(client, {
      grantType: request.grantType,
      scopes,
      origin: request.origin,
      userId: grant.userId,
    });
    return answer;
  }
}

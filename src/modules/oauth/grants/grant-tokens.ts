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
import type { OAuthRefreshToken } from '../storage/oauth-refresh-token.entity';
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
  /**
   * The next refresh token of the family (its scopes and absolute end, and the token it replaces
   * on a refresh), or none.
   */
  refreshToken: { scopes: readonly string[]; expiresAt: Date; replaces?: OAuthRefreshToken } | null;
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

  /**
   * The refresh token is stored last, after everything that can fail (role and user look-ups,
   * signing): on a refresh it is written with the presented token's use, so a request that fails
   * leaves that token good for the client's retry. invalid_grant there if the grant ended while
   * this request ran.
   */
  async issue(request: GrantTokensRequest): Promise<TokenAnswer> {
    const { client, grant } = request;
    const scopes = await this.scopesNow(request);
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
    const completed = { ...request, scopes };
    await this.addIdToken(answer, completed);
    if (request.refreshToken) {
      answer.refresh_token = await this.refreshTokens.issue({
        grantId: grant.id,
        scopes: request.refreshToken.scopes,
        authTime: request.authTime,
        amr: request.amr.join(' '),
        expiresAt: request.refreshToken.expiresAt,
        replaces: request.refreshToken.replaces,
      });
    }
    // A rotation wrote the grant's last use with the tokens.
    const replaced = request.refreshToken?.replaces;
    return this.finish(answer, completed, {
      touched: replaced !== undefined,
      retry: replaced !== undefined && replaced.usedAt !== null,
    });
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
    await this.addIdToken(answer, request);
    return this.finish(answer, request, { touched: false, retry: false });
  }

  /** An ID token when `openid` was granted. */
  private async addIdToken(
    answer: TokenAnswer,
    request: Omit<GrantTokensRequest, 'refreshToken'>,
  ): Promise<void> {
    if (!request.scopes.includes('openid')) return;
    answer.id_token = await this.idTokens.issue({
      client: request.client,
      userId: request.grant.userId,
      scopes: request.scopes,
      authTime: request.authTime,
      amr: request.amr,
      nonce: request.nonce,
      accessToken: answer.access_token,
    });
  }

  /** The grant's last use (unless already written) and the audit event (`retry`: a retried refresh). */
  private async finish(
    answer: TokenAnswer,
    request: Omit<GrantTokensRequest, 'refreshToken'>,
    { touched, retry }: { touched: boolean; retry: boolean },
  ): Promise<TokenAnswer> {
    if (!touched) await this.grants.touch(request.grant.id);
    this.audit.tokenIssued(request.client, {
      grantType: request.grantType,
      scopes: request.scopes,
      origin: request.origin,
      userId: request.grant.userId,
      retry,
    });
    return answer;
  }
}

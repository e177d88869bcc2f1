import { Injectable } from '@nestjs/common';
import { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import { UnauthorizedError } from '../../common/errors/api-errors';
import { MembershipRolesCache } from '../organizations/membership-roles.cache';
import { OrganizationsService } from '../organizations/organizations.service';
import { AccessTokensService } from '../tokens/access-tokens.service';
import type { TokenResponseDto } from './dto/auth.dto';
import type { Session } from './sessions/session.entity';

/**
 * The tokens of a user's session: an access token carrying the scopes of the user's role in the
 * session's organization, beside the session's new refresh token. (Tokens of other principal
 * types, such as OAuth clients, get issuers of their own.)
 */
@Injectable()
export class UserTokenIssuer {
  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly roles: MembershipRolesCache,
    private readonly organizations: OrganizationsService,
    private readonly scopes: ScopeCatalogue,
  ) {}

  async tokensFor(session: Session, refreshToken: string): Promise<TokenResponseDto> {
    let organizationId = session.organizationId;
    let role = await this.roles.roleOf(session.userId, organizationId);
    if (!role) {
      // Removed from the session's organization since login: fall back to another one.
      const membership = await this.organizations.defaultMembershipOf(session.userId);
      if (!membership) throw new UnauthorizedError('This user belongs to no organization');
      organizationId = membership.organizationId;
      role = membership.role;
    }
    const access = await this.accessTokens.issue({
      subject: session.userId,
      organizationId,
      sessionId: session.id,
      scopes: this.scopes.scopesOfRole(role),
      amr: session.amr.split(' '),
    });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
    };
  }
}

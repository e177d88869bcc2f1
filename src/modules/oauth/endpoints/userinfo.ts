import { Injectable } from '@nestjs/common';
import { isDelegated, type Principal } from '../../../common/auth/principal';
import { InsufficientScope, InvalidToken } from '../../../common/errors/oauth-errors';
import { UsersService } from '../../users/users.service';
import { UserClaims, userClaims } from '../user-claims';

/** OIDC Core section 5.3.2: `sub` always, then what the token's scopes release. */
export type UserinfoAnswer = { sub: string } & UserClaims;

/**
 * GET/POST /oauth/userinfo (OIDC Core section 5.3): what an application a user signed in to may
 * know of them, per the scopes they granted (`email`, `profile`), for an access token of that
 * grant with `openid`. Any other credential is not a token this endpoint takes (invalid_token);
 * the access guard has checked the token, its grant and the user's membership already.
 */
@Injectable()
export class Userinfo {
  constructor(private readonly users: UsersService) {}

  async claimsOf(principal: Principal | undefined): Promise<UserinfoAnswer> {
    if (!principal || !isDelegated(principal)) {
      throw new InvalidToken('userinfo takes an access token a user granted to an application');
    }
    const scopes = principal.delegatedTo.identityScopes;
    if (!scopes.includes('openid')) {
      throw new InsufficientScope('userinfo needs an access token granted with openid');
    }
    const user = await this.users.findById(principal.subject);
    if (!user) throw new InvalidToken();
    return { sub: user.id, ...userClaims(user, scopes) };
  }
}

import type { Principal } from '../../common/auth/principal';
import { ForbiddenError } from '../../common/errors/api-errors';

/** A user signed in with an access token: the only caller that has sessions, a password and MFA. */
export type UserCaller = Principal & { type: 'user'; sessionId: string; tokenId: string };

/** API keys, the instance administrator and other principals get 403 on the account routes. */
export function requireUserCaller(principal: Principal): UserCaller {
  if (principal.type !== 'user' || !principal.sessionId || !principal.tokenId) {
    throw new ForbiddenError('This endpoint needs a user access token', 'user_token_required');
  }
  return principal as UserCaller;
}

import { isDelegated, type Principal } from '../../common/auth/principal';
import { ForbiddenError } from '../../common/errors/api-errors';

/** A user signed in with an access token: the only caller that has sessions, a password and MFA. */
export type UserCaller = Principal & { type: 'user'; sessionId: string; tokenId: string };

/**
 * The account routes (sessions, logout, password, MFA) are the user's own: API keys, the
 * instance administrator and other principals get 403, and so does an application acting for the
 * user (its token was consented for the organization's resources, never for the account).
 */
export function requireUserCaller(principal: Principal): UserCaller {
  if (isDelegated(principal)) {
    throw new ForbiddenError(
      'An application acting for the user cannot use this endpoint; it needs the user’s own sign-in',
      'user_sign_in_required',
    );
  }
  if (principal.type !== 'user' || !principal.sessionId || !principal.tokenId) {
    throw new ForbiddenError('This endpoint needs a user access token', 'user_token_required');
  }
  return principal as UserCaller;
}

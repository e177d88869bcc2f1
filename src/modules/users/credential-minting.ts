import { Injectable } from '@nestjs/common';
import { refuseCreditLimited } from '../../common/auth/credit-limited';
import { isDelegated, type Principal } from '../../common/auth/principal';
import { ForbiddenError } from '../../common/errors/api-errors';
import { UsersService } from './users.service';

/**
 * What every route that hands out a new long-lived secret checks first: an API key, a service
 * account's key file, an OAuth client's secret. Each outlives the request that made it, so it
 * must not outlive or outgrow what its caller holds:
 * - an API key with usage credits would escape them (refuseCreditLimited);
 * - an application acting for a user would keep acting after the user ends its grant;
 * - a user who enrolled MFA must have passed it, or a stolen password would mint what MFA guards.
 */
@Injectable()
export class CredentialMinting {
  constructor(private readonly users: UsersService) {}

  /** `what`: the action refused, as a message ends it ("create API keys"). */
  async assertMayMint(caller: Principal, what: string): Promise<void> {
    refuseCreditLimited(caller, what);
    refuseDelegated(caller, what);
    await this.assertMfaIfEnrolled(caller);
  }

  /** A user who enrolled TOTP acts with a session that passed it (403 `mfa_required`). */
  async assertMfaIfEnrolled(caller: Principal): Promise<void> {
    if (caller.type !== 'user' || caller.mfa) return;
    const user = await this.users.findById(caller.subject);
    if (user?.mfaEnabledAt) {
      throw new ForbiddenError(
        'This action needs a session that passed MFA; log in with mfa_code',
        'mfa_required',
      );
    }
  }
}

/** An application acting for the user: only the user's own sign-in mints a secret. */
export function refuseDelegated(caller: Principal, what: string): void {
  if (isDelegated(caller)) {
    throw new ForbiddenError(
      `An application acting for the user cannot ${what}`,
      'user_sign_in_required',
    );
  }
}

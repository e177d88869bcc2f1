import { principalHasScope } from '../../common/auth/authorization';
import type { Principal } from '../../common/auth/principal';
import type { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import { isSubsetOf } from '../../common/auth/scopes';
import { ConflictError, ForbiddenError } from '../../common/errors/api-errors';
import { DEFAULT_KEY_LIFETIME_DAYS } from './dto/fields';

/** The rules of accounts and their keys, apart from the services that apply them (pure functions). */

const DAY_MS = 86_400_000;

/** Keys that work at once, per account: enough to roll one over, few enough to check each. */
export const MAX_ACTIVE_KEYS = 10;

/** The scopes, each once; an unknown one is a 422 at its index. */
export function knownScopes(scopes: string[], catalogue: ScopeCatalogue): string[] {
  catalogue.assertKnown(scopes, 'scopes');
  return [...new Set(scopes)];
}

/**
 * No credential gives an account power it lacks itself; and only a caller who could have made
 * the account changes it, issues or revokes its keys, or deletes it (as for another's API key).
 */
export function assertCallerMayGrant(caller: Principal, scopes: readonly string[]): void {
  const beyond = scopes.filter((scope) => !principalHasScope(caller, scope));
  if (beyond.length) {
    throw new ForbiddenError(
      `Cannot grant scopes you do not have: ${beyond.join(', ')}`,
      'scope_escalation',
    );
  }
}

/** An account's scopes are only ever narrowed: wider access is a new account. */
export function assertNarrower(scopes: readonly string[], current: readonly string[]): void {
  if (!isSubsetOf(scopes, current)) {
    throw new ForbiddenError(
      'Scopes can only be narrowed; create a new service account for wider access',
      'scope_escalation',
    );
  }
}

export function keyExpiry(now: number, days = DEFAULT_KEY_LIFETIME_DAYS): Date {
  return new Date(now + days * DAY_MS);
}

export function assertRoomForKey(activeKeys: number): void {
  if (activeKeys >= MAX_ACTIVE_KEYS) {
    throw new ConflictError(
      `A service account has at most ${MAX_ACTIVE_KEYS} active keys: revoke one first`,
      'too_many_keys',
    );
  }
}

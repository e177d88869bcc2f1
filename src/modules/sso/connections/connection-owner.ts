import type { Principal } from '../../../common/auth/principal';
import { unhandledPrincipal } from '../../../common/auth/principal';
import { ForbiddenError } from '../../../common/errors/api-errors';
import type { ActingApiKey } from '../../api-keys/api-key-authority';

const USER = 'user:';
export const INSTANCE_ADMIN_OWNER = 'instance_admin';

/** The owner a connection's `created_by` names: a user, the operator, or nobody known. */
export type ConnectionOwner = { userId: string } | typeof INSTANCE_ADMIN_OWNER | null;

/**
 * Who a connection answers to (stored as created_by): the person whose current role bounds
 * it, as "a credential never grants more than its creator holds". A user for themselves; an
 * API key for the user behind it; the operator's token. A service account or an OAuth client holds scopes, not a role in the organization
 * that could bound the roles a connection gives: refused, as for API keys an OAuth client mints.
 */
export function ownerRefOf(caller: Principal): string {
  switch (caller.type) {
    case 'user':
      return `${USER}${caller.subject}`;
    case 'instance_admin':
      return INSTANCE_ADMIN_OWNER;
    case 'api_key': {
      const owner = (caller.credential as ActingApiKey).key.owner;
      // The operator's key acts as an administrator, not as the operator: no person stands
      // behind it whose role could bound the connection (the operator's token can own one).
      if (owner === 'instance_admin') return refused();
      if (owner !== null && 'userId' in owner) return `${USER}${owner.userId}`;
      return refused();
    }
    case 'service_account':
    case 'oauth_client':
      return refused();
    default:
      return unhandledPrincipal(caller);
  }
}

export function connectionOwnerOf(createdBy: string): ConnectionOwner {
  if (createdBy === INSTANCE_ADMIN_OWNER) return INSTANCE_ADMIN_OWNER;
  if (createdBy.startsWith(USER)) return { userId: createdBy.slice(USER.length) };
  return null;
}

function refused(): never {
  throw new ForbiddenError(
    'An SSO connection answers to a person, whose role bounds the roles it gives: create or change it as a user, with a key that acts for one, or with the operator’s token',
    'sso_connection_needs_a_person',
  );
}

import { BadRequestError } from '../errors/api-errors';
import type { Permission } from './permissions';
import type { Principal } from './principal';
import { hasScope } from './scopes';

/**
 * What a principal may do. Users get permissions from their role; credentials that carry scopes
 * (API keys, OAuth clients, service accounts) get the permission its matching scope stands for.
 * An application acting for a user needs both: the user's role must hold the permission and the
 * user must have consented to its scope.
 */
export function principalHasScope(principal: Principal, scope: string): boolean {
  return principal.type === 'instance_admin' || hasScope(principal.scopes, scope);
}

export function principalHasPermission(principal: Principal, permission: Permission): boolean {
  if (principal.type === 'instance_admin') return true;
  if (principal.type === 'user') {
    if (principal.role === null || !permission.roles.includes(principal.role)) return false;
    return principal.delegatedTo === undefined || hasScope(principal.scopes, permission.scope);
  }
  return hasScope(principal.scopes, permission.scope);
}

/** The organization a request acts in; an administrator must name one with X-Organization-ID. */
export function actingOrganizationId(principal: Principal): string {
  if (!principal.organizationId) {
    throw new BadRequestError(
      'X-Organization-ID is required for this request',
      'organization_required',
    );
  }
  return principal.organizationId;
}

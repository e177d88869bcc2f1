import { BadRequestError } from '../errors/api-errors';
import { PERMISSION_SCOPES, Permission, permissionsOf } from '../../modules/organizations/roles';
import type { Principal } from './principal';
import { hasScope } from './scopes';

/**
 * What a principal may do. Users get permissions from their role; credentials that carry scopes
 * (API keys, OAuth clients, service accounts) get the permission its matching scope stands for.
 */
export function principalHasScope(principal: Principal, scope: string): boolean {
  return principal.type === 'instance_admin' || hasScope(principal.scopes, scope);
}

export function principalHasPermission(principal: Principal, permission: Permission): boolean {
  if (principal.type === 'instance_admin') return true;
  if (principal.type === 'user')
    return principal.role !== null && permissionsOf(principal.role).has(permission);
  return hasScope(principal.scopes, PERMISSION_SCOPES[permission]);
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

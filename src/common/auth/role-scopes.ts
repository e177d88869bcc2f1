import {
  PERMISSION_SCOPES,
  PERMISSIONS,
  Permission,
  permissionsOf,
  Role,
  ROLE_ACCESS_LEVEL,
} from '../../modules/organizations/roles';
import { ADMIN_SCOPE, expandAccessLevel, PLATFORM_SCOPES } from './scopes';

/** The permissions each scope stands for (`organizations:write` for the four member changes...). */
const PERMISSIONS_BY_SCOPE = new Map<string, Permission[]>();
for (const permission of PERMISSIONS) {
  const scope = PERMISSION_SCOPES[permission];
  PERMISSIONS_BY_SCOPE.set(scope, [...(PERMISSIONS_BY_SCOPE.get(scope) ?? []), permission]);
}

/**
 * The scopes a role's token carries: exactly the role's power, so a key its holder mints can
 * never do what the holder cannot. Owners and admins get `admin:*`; a viewer gets the
 * catalogue's read scopes and a member every non-admin scope, minus each scope
 * that stands for a permission the role lacks (a member's `organizations:write` would manage
 * members, `compliance:read` read the audit log) and minus the platform scopes no permission
 * covers yet (service accounts, SSO, OAuth clients: administrators only until their modules
 * grant them to roles).
 */
export function roleScopes(role: Role, catalogue: readonly string[]): readonly string[] {
  const level = ROLE_ACCESS_LEVEL[role];
  if (level === 'admin') return [ADMIN_SCOPE];
  const permitted = permissionsOf(role);
  return expandAccessLevel(level, catalogue).filter((scope) => {
    const standsFor = PERMISSIONS_BY_SCOPE.get(scope);
    if (standsFor) return standsFor.every((permission) => permitted.has(permission));
    return !(PLATFORM_SCOPES as readonly string[]).includes(scope);
  });
}

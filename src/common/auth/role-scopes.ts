import { permissionTable } from './permissions';
import { Role, ROLE_ACCESS_LEVEL } from './roles';
import { ADMIN_SCOPE, expandAccessLevel, PLATFORM_SCOPES } from './scopes';

/**
 * The scopes a role's token carries: exactly the role's power, so a key its holder mints can
 * never do what the holder cannot. Owners and admins get `admin:*`; a viewer gets the
 * catalogue's read scopes and a member every non-admin scope, minus each scope
 * that stands for a permission the role lacks (a member's `organizations:write` would manage
 * members, `compliance:read` read the audit log) and minus the platform scopes no permission
 * covers yet (service accounts, SSO, OAuth clients: administrators only until their modules
 * grant them to roles). Computed at boot for each role (ScopeCatalogue), never per request.
 */
export function roleScopes(role: Role, catalogue: readonly string[]): readonly string[] {
  const level = ROLE_ACCESS_LEVEL[role];
  if (level === 'admin') return [ADMIN_SCOPE];
  const permissionsByScope = permissionTable().byScope;
  return expandAccessLevel(level, catalogue).filter((scope) => {
    const standsFor = permissionsByScope.get(scope);
    if (standsFor) return standsFor.every((permission) => permission.roles.includes(role));
    return !(PLATFORM_SCOPES as readonly string[]).includes(scope);
  });
}

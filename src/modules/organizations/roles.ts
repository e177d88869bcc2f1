import { registerPermissions } from '../../common/auth/permissions';
import type { Role } from '../../common/auth/roles';
import { ApiKeyPermissions } from '../api-keys/api-keys.permissions';
import { AuditPermissions } from '../audit/audit.permissions';
import { OAuthClientPermissions } from '../oauth/oauth.permissions';
import { ServiceAccountPermissions } from '../service-accounts/service-accounts.permissions';
import { SsoPermissions } from '../sso/sso.permissions';
import { OrganizationPermissions } from './organizations.permissions';

export { ROLES } from '../../common/auth/roles';
export type { Role } from '../../common/auth/roles';

/**
 * Every module's permissions: the one list the role tables are built from. A module declares its
 * permissions beside its code (`<module>.permissions.ts`) and adds them here; a permission missing
 * from this list would leave the scope standing for it in the tokens of roles that lack it.
 */
const MODULE_PERMISSIONS = [
  ...Object.values(OrganizationPermissions),
  ...Object.values(ApiKeyPermissions),
  ...Object.values(AuditPermissions),
  ...Object.values(OAuthClientPermissions),
  ...Object.values(ServiceAccountPermissions),
  ...Object.values(SsoPermissions),
];

const table = registerPermissions(MODULE_PERMISSIONS);

export type PermissionName = (typeof MODULE_PERMISSIONS)[number]['name'];

/** Every organization permission a route can demand with @Access({ permissions }). */
export const PERMISSIONS: readonly PermissionName[] = MODULE_PERMISSIONS.map((p) => p.name);

/** The scope that stands for each permission, for a credential that carries scopes. */
export const PERMISSION_SCOPES = Object.fromEntries(
  MODULE_PERMISSIONS.map((p) => [p.name, p.scope]),
) as Readonly<Record<PermissionName, string>>;

/** The names of the permissions a role holds. */
export function permissionsOf(role: Role): ReadonlySet<string> {
  return table.byRole.get(role)!;
}

/** Roles ordered by power; used to refuse granting a role above one's own. */
export const ROLE_RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1, viewer: 0 };

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Every organization permission a route can demand with @Permissions(). */
export const PERMISSIONS = [
  'organization.read',
  'organization.update',
  'organization.members.read',
  'organization.members.create',
  'organization.members.update',
  'organization.members.delete',
  'api_keys.read',
  'api_keys.write',
  'audit.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = ['organization.read', 'organization.members.read', 'api_keys.read'];

const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(PERMISSIONS),
  admin: new Set(PERMISSIONS),
  member: new Set<Permission>([...READ, 'api_keys.write']),
  viewer: new Set<Permission>(READ),
};

/**
 * How far a role reaches into the scope catalogue: `admin` is `admin:*`; a member writes and a
 * viewer reads the resources (translate, documents, models...). Platform scopes follow the
 * permissions instead (common/auth/role-scopes.ts).
 */
export const ROLE_ACCESS_LEVEL: Record<Role, 'admin' | 'write' | 'read-only'> = {
  owner: 'admin',
  admin: 'admin',
  member: 'write',
  viewer: 'read-only',
};

export function permissionsOf(role: Role): ReadonlySet<Permission> {
  return ROLE_PERMISSIONS[role];
}

/**
 * The scope that stands for a permission when the caller is an API key (or any credential that
 * carries scopes rather than a role): an API key with `organizations:read` may read its org.
 */
export const PERMISSION_SCOPES: Record<Permission, string> = {
  'organization.read': 'organizations:read',
  'organization.update': 'organizations:write',
  'organization.members.read': 'organizations:read',
  'organization.members.create': 'organizations:write',
  'organization.members.update': 'organizations:write',
  'organization.members.delete': 'organizations:write',
  'api_keys.read': 'api_keys:read',
  'api_keys.write': 'api_keys:write',
  'audit.read': 'compliance:read',
};

/** Roles ordered by power; used to refuse granting a role above one's own. */
export const ROLE_RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1, viewer: 0 };

/**
 * The roles a member holds in an organization. They live here, beside the principal, because
 * authorization reads them on every request; which permissions each role holds is registered by
 * the modules that own the permissions (common/auth/permissions.ts).
 */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

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

import { Role, ROLE_ACCESS_LEVEL, ROLES } from './roles';

/**
 * An organization permission a route can demand, declared by the module that owns it
 * (`<module>.permissions.ts`). It carries everything authorization needs to decide it: the roles
 * that hold it, for a user, and the scope that stands for it, for a credential that carries scopes
 * (API keys; later OAuth clients and service accounts).
 */
export interface Permission<Name extends string = string> {
  /** The name the contract uses: `Missing permission: organization.members.create`. */
  readonly name: Name;
  /** The scope that stands for it when the caller carries scopes rather than a role. */
  readonly scope: string;
  /** The roles that hold it. */
  readonly roles: readonly Role[];
}

/**
 * A module's permissions, by the short name its code uses (`ApiKeyPermissions.write`). Plain data,
 * frozen; the role tables are built from every module's list (registerPermissions).
 */
export function definePermissions<const T extends Record<string, Permission>>(
  permissions: T,
): Readonly<T> {
  for (const permission of Object.values(permissions)) {
    Object.freeze(permission.roles);
    Object.freeze(permission);
  }
  return Object.freeze(permissions);
}

/** Which role holds which permission, and which permissions each scope stands for. */
export interface PermissionTable {
  readonly all: readonly Permission[];
  /** The names of the permissions each role holds. */
  readonly byRole: ReadonlyMap<Role, ReadonlySet<string>>;
  /** The permissions each scope stands for (`organizations:write` for the four member changes...). */
  readonly byScope: ReadonlyMap<string, readonly Permission[]>;
}

/**
 * The table of a list of permissions. Fails on a name declared twice, and on a permission an
 * owner or admin lacks: their tokens carry `admin:*`, which covers every permission's scope, so a
 * role table saying otherwise would be contradicted by the token.
 */
export function buildPermissionTable(permissions: readonly Permission[]): PermissionTable {
  const names = new Set<string>();
  const byScope = new Map<string, Permission[]>();
  for (const permission of permissions) {
    if (names.has(permission.name)) {
      throw new Error(`Permission ${permission.name} is declared twice`);
    }
    names.add(permission.name);
    for (const role of ROLES) {
      if (ROLE_ACCESS_LEVEL[role] === 'admin' && !permission.roles.includes(role)) {
        throw new Error(`Permission ${permission.name} must be held by ${role} (admin:*)`);
      }
    }
    byScope.set(permission.scope, [...(byScope.get(permission.scope) ?? []), permission]);
  }
  const byRole = new Map(
    ROLES.map((role) => [
      role,
      new Set(permissions.filter((p) => p.roles.includes(role)).map((p) => p.name)),
    ]),
  );
  return { all: [...permissions], byRole, byScope };
}

let registered: PermissionTable | undefined;

/**
 * Installs the application's permission table: called once, by the one list of every module's
 * permissions (modules/organizations/roles.ts), so that this folder never imports the modules.
 */
export function registerPermissions(permissions: readonly Permission[]): PermissionTable {
  if (registered) throw new Error('The permission table is registered once');
  registered = buildPermissionTable(permissions);
  return registered;
}

/** The registered table; read at boot (role scopes), never per request. */
export function permissionTable(): PermissionTable {
  if (!registered) {
    throw new Error(
      'No permissions registered: modules/organizations/roles.ts (every module’s permissions) ' +
        'must be imported first',
    );
  }
  return registered;
}

import {
  PERMISSION_SCOPES,
  PERMISSIONS,
  permissionsOf,
  ROLES,
} from '../../modules/organizations/roles';
import { roleScopes } from './role-scopes';
import { defaultScopeCatalogue, hasScope } from './scopes';

describe('roleScopes', () => {
  const catalogue = defaultScopeCatalogue(['weather:read', 'weather:write']);

  it.each(ROLES)('gives %s exactly the scopes of its permissions', (role) => {
    const scopes = roleScopes(role, catalogue);
    for (const permission of PERMISSIONS) {
      // A permission's scope is held exactly when the role holds every permission it stands for.
      const scope = PERMISSION_SCOPES[permission];
      const standsFor = PERMISSIONS.filter((p) => PERMISSION_SCOPES[p] === scope);
      expect(hasScope(scopes, scope)).toBe(standsFor.every((p) => permissionsOf(role).has(p)));
    }
  });

  it('lets a member write resources and manage keys, but not members or the audit log', () => {
    const member = roleScopes('member', catalogue);
    expect(member).toEqual(
      expect.arrayContaining(['translate:write', 'weather:write', 'api_keys:write']),
    );
    for (const scope of ['organizations:write', 'compliance:read', 'sso:read', 'admin:*'])
      expect(hasScope(member, scope)).toBe(false);
  });

  it('lets a viewer read resources only', () => {
    const viewer = roleScopes('viewer', catalogue);
    expect(viewer).toEqual(
      expect.arrayContaining(['translate:read', 'weather:read', 'organizations:read']),
    );
    for (const scope of ['translate:write', 'api_keys:write', 'compliance:read'])
      expect(hasScope(viewer, scope)).toBe(false);
  });

  it('gives owners and admins admin:*', () => {
    expect(roleScopes('owner', catalogue)).toEqual(['admin:*']);
    expect(roleScopes('admin', catalogue)).toEqual(['admin:*']);
  });
});

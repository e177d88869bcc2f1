import { PERMISSION_SCOPES, PERMISSIONS, permissionsOf, ROLES } from './roles';

/**
 * The role tables built from every module's registrations: which role holds which permission, and
 * the scope standing for each. A change here changes who may call what: review it as such.
 */
describe('the role tables', () => {
  it('hold every module’s permissions with the scope that stands for each', () => {
    expect(PERMISSION_SCOPES).toEqual({
      'organization.read': 'organizations:read',
      'organization.update': 'organizations:write',
      'organization.members.read': 'organizations:read',
      'organization.members.create': 'organizations:write',
      'organization.members.update': 'organizations:write',
      'organization.members.delete': 'organizations:write',
      'api_keys.read': 'api_keys:read',
      'api_keys.write': 'api_keys:write',
      'audit.read': 'compliance:read',
      'oauth_clients.read': 'oauth_clients:read',
      'oauth_clients.write': 'oauth_clients:write',
      'service_accounts.read': 'service_accounts:read',
      'service_accounts.write': 'service_accounts:write',
      'sso.read': 'sso:read',
      'sso.write': 'sso:write',
    });
  });

  it('give owners and admins every permission, members the reads and API keys, viewers the reads; SSO settings to admins only', () => {
    const reads = [
      'organization.read',
      'organization.members.read',
      'api_keys.read',
      'oauth_clients.read',
      'service_accounts.read',
    ];
    const table = Object.fromEntries(ROLES.map((role) => [role, [...permissionsOf(role)].sort()]));
    expect(table).toEqual({
      owner: [...PERMISSIONS].sort(),
      admin: [...PERMISSIONS].sort(),
      member: [...reads, 'api_keys.write'].sort(),
      viewer: [...reads].sort(),
    });
  });
});

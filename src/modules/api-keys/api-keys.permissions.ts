import { definePermissions } from '../../common/auth/permissions';

/**
 * The organization's API keys: every member sees them, members and above create, change and
 * revoke them (never wider than their own power: api-key-authority.ts).
 */
export const ApiKeyPermissions = definePermissions({
  read: {
    name: 'api_keys.read',
    scope: 'api_keys:read',
    roles: ['owner', 'admin', 'member', 'viewer'],
  },
  write: {
    name: 'api_keys.write',
    scope: 'api_keys:write',
    roles: ['owner', 'admin', 'member'],
  },
});

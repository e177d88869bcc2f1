import { definePermissions } from '../../common/auth/permissions';

/**
 * The organization's service accounts: every member sees them (and their public keys); admins
 * and owners create, change, disable and delete them and issue or revoke their keys and API
 * keys (an account outlives whoever made it, so making one is an administrator's call).
 */
export const ServiceAccountPermissions = definePermissions({
  read: {
    name: 'service_accounts.read',
    scope: 'service_accounts:read',
    roles: ['owner', 'admin', 'member', 'viewer'],
  },
  write: {
    name: 'service_accounts.write',
    scope: 'service_accounts:write',
    roles: ['owner', 'admin'],
  },
});

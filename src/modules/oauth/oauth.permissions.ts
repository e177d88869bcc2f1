import { definePermissions } from '../../common/auth/permissions';

/**
 * The organization's OAuth clients: every member sees them; admins and owners register, change
 * and delete them (a client can act for any user who consents, so it is an administrator's call).
 */
export const OAuthClientPermissions = definePermissions({
  read: {
    name: 'oauth_clients.read',
    scope: 'oauth_clients:read',
    roles: ['owner', 'admin', 'member', 'viewer'],
  },
  write: {
    name: 'oauth_clients.write',
    scope: 'oauth_clients:write',
    roles: ['owner', 'admin'],
  },
});

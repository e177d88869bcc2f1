import { definePermissions } from '../../common/auth/permissions';

/**
 * The organization's SAML SSO connections: only admins and owners see or change them. A
 * connection decides who may sign in to the organization and with which role, and its settings
 * (IdP, certificates, role mappings) are administration, as in Keycloak and WorkOS.
 */
export const SsoPermissions = definePermissions({
  read: {
    name: 'sso.read',
    scope: 'sso:read',
    roles: ['owner', 'admin'],
  },
  write: {
    name: 'sso.write',
    scope: 'sso:write',
    roles: ['owner', 'admin'],
  },
});

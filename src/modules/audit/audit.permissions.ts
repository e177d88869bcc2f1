import { definePermissions } from '../../common/auth/permissions';

/**
 * The organization's audit log: owners and admins, or a credential with the contract's
 * `compliance:read` (which a member's or viewer's token therefore does not carry).
 */
export const AuditPermissions = definePermissions({
  read: { name: 'audit.read', scope: 'compliance:read', roles: ['owner', 'admin'] },
});

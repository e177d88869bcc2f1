import { definePermissions } from '../../common/auth/permissions';

/**
 * Reading and managing an organization and its members. Every member reads them; owners and
 * admins manage them. A scoped credential reads with `organizations:read` and manages with
 * `organizations:write`.
 */
export const OrganizationPermissions = definePermissions({
  read: {
    name: 'organization.read',
    scope: 'organizations:read',
    roles: ['owner', 'admin', 'member', 'viewer'],
  },
  update: {
    name: 'organization.update',
    scope: 'organizations:write',
    roles: ['owner', 'admin'],
  },
  membersRead: {
    name: 'organization.members.read',
    scope: 'organizations:read',
    roles: ['owner', 'admin', 'member', 'viewer'],
  },
  membersCreate: {
    name: 'organization.members.create',
    scope: 'organizations:write',
    roles: ['owner', 'admin'],
  },
  membersUpdate: {
    name: 'organization.members.update',
    scope: 'organizations:write',
    roles: ['owner', 'admin'],
  },
  membersDelete: {
    name: 'organization.members.delete',
    scope: 'organizations:write',
    roles: ['owner', 'admin'],
  },
});

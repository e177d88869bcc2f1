import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { uuidv7 } from '../../../common/ids';
import type { RequestOrigin } from '../../../common/http/request-origin';
import { isUniqueViolation } from '../../../database/errors';
import { transactionAlone } from '../../../database/transactions';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import { OrganizationsService } from '../../organizations/organizations.service';
import { Role, ROLE_RANK } from '../../organizations/roles';
import { NO_PASSWORD } from '../../users/passwords';
import type { User } from '../../users/user.entity';
import { UsersService } from '../../users/users.service';
import { SSO_ROLES, SsoRole } from '../connections/dto/fields';
import { domainOfEmail } from '../connections/email-domains';
import { groupRoleMappingOf } from '../connections/sso-connection-fields';
import type { SsoConnection } from '../connections/sso-connection.entity';
import { SsoConnectionsRepository } from '../connections/sso-connections.repository';
import type { SsoIdentity } from '../saml/sso-identity';
import { SsoRefusal } from '../saml/sso-refusal';
import { ConnectionAuthority } from './connection-authority';
import { SsoUserLinksRepository } from './sso-user-links.repository';

/** Who signed in, and whether this sign-in created them. */
export interface ProvisionedUser {
  user: User;
  created: boolean;
  role: Role;
}

/** Groups the audit log keeps of a sign-in: enough to see why a role was given, bounded. */
const AUDITED_GROUPS = 20;
const AUDITED_GROUP_CHARS = 100;

/**
 * Just-in-time provisioning: the person the IdP vouched for becomes a user of the connection's
 * organization, within what the connection may do (connection-authority.ts: never a role above
 * its owner's, never a member who outranks them).
 * - A new email: a user without a password (NO_PASSWORD; they sign in through the IdP until
 *   they set one), their membership with the role the groups map to (else the default), and
 *   the link saying this connection made them, in one transaction.
 * - An account that exists: signed in only if this connection provisioned it, or the email's
 *   domain is verified (else anyone claiming a domain could sign in as its people, whatever
 *   else they hold); and only as a member of the organization (an administrator adds others).
 *   Their role follows the mapping when the connection says so; an owner is never changed. The
 *   account's roles elsewhere bound it too (ConnectionAuthority.assertCoversAccount): its
 *   session acts in every organization it belongs to.
 * - Neither, once another connection has verified the domain: it is that connection's now.
 *   Its verification removed this connection's claim; this check covers a claim that raced it.
 */
@Injectable()
export class JitProvisioning {
  constructor(
    private readonly users: UsersService,
    private readonly organizations: OrganizationsService,
    private readonly connections: SsoConnectionsRepository,
    private readonly links: SsoUserLinksRepository,
    private readonly authority: ConnectionAuthority,
    private readonly audit: AuditRecorder,
    private readonly dataSource: DataSource,
  ) {}

  async provision(
    connection: SsoConnection,
    identity: SsoIdentity,
    origin: RequestOrigin,
  ): Promise<ProvisionedUser> {
    const verifiedBy = await this.connections.verifiedClaimant(domainOfEmail(identity.email) ?? '');
    if (verifiedBy !== null && verifiedBy !== connection.id) {
      throw new SsoRefusal('domain_verified_elsewhere');
    }
    const ceiling = await this.authority.ceilingOf(connection);
    const mapped = capped(roleFor(connection, identity.groups), ceiling);
    const existing = await this.users.findByEmail(identity.email);
    if (!existing) return this.create(connection, identity, mapped, origin);

    if (
      verifiedBy !== connection.id &&
      !(await this.links.provisioned(connection.id, existing.id))
    ) {
      throw new SsoRefusal('domain_not_verified');
    }
    const membership = await this.organizations.membershipOf(
      connection.organizationId,
      existing.id,
    );
    if (!membership) throw new SsoRefusal('account_outside_organization');
    if (ROLE_RANK[membership.role] > ROLE_RANK[ceiling]) {
      throw new SsoRefusal('member_outranks_connection');
    }
    await this.authority.assertCoversAccount(
      connection,
      ceiling,
      existing.id,
      verifiedBy === connection.id,
    );
    if (
      !connection.updateRoleOnLogin ||
      membership.role === mapped ||
      membership.role === 'owner'
    ) {
      return { user: existing, created: false, role: membership.role };
    }
    const before = await this.organizations.setProvisionedRole(
      connection.organizationId,
      existing.id,
      mapped,
    );
    if (before === null) return { user: existing, created: false, role: membership.role };
    this.audit.record(AUDIT_ACTIONS.ssoRoleUpdated, {
      organizationId: connection.organizationId,
      actor: { type: 'sso_connection', id: connection.id },
      origin,
      target: { type: 'user', id: existing.id },
      metadata: { from: before, to: mapped, groups: auditedGroups(identity.groups) },
    });
    return { user: existing, created: false, role: mapped };
  }

  private async create(
    connection: SsoConnection,
    identity: SsoIdentity,
    role: SsoRole,
    origin: RequestOrigin,
  ): Promise<ProvisionedUser> {
    const now = new Date();
    const user: User = {
      id: uuidv7(),
      email: identity.email,
      fullName: identity.fullName,
      passwordHash: NO_PASSWORD,
      totpSecretEncrypted: null,
      mfaEnabledAt: null,
      totpLastStep: null,
      createdAt: now,
    };
    try {
      // All or nothing: a user without their membership could never sign in through SSO again.
      await transactionAlone(this.dataSource.manager, async (manager) => {
        await this.users.insert(user, manager);
        await this.organizations.addProvisionedMember(
          connection.organizationId,
          user.id,
          role,
          manager,
        );
        await this.links.insert(
          {
            connectionId: connection.id,
            userId: user.id,
            organizationId: connection.organizationId,
            createdAt: now,
          },
          manager,
        );
      });
    } catch (error) {
      // Two first sign-ins of one person racing: the unique email decides; the loser goes on
      // as the known user (whom this connection has just provisioned).
      if (isUniqueViolation(error)) return this.provision(connection, identity, origin);
      throw error;
    }
    this.audit.record(AUDIT_ACTIONS.ssoUserProvisioned, {
      organizationId: connection.organizationId,
      actor: { type: 'sso_connection', id: connection.id },
      origin,
      target: { type: 'user', id: user.id },
      metadata: { email: user.email, role, groups: auditedGroups(identity.groups) },
    });
    return { user, created: true, role };
  }
}

/**
 * The strongest role the groups map to, else the connection's default. Group names come from
 * the IdP: looked up as own entries only (a group named "constructor" or "__proto__" is just a
 * group), and only roles SSO may give count.
 */
export function roleFor(connection: SsoConnection, groups: string[]): SsoRole {
  const mapping = new Map(Object.entries(groupRoleMappingOf(connection)));
  let best: SsoRole | null = null;
  for (const group of groups) {
    const role = mapping.get(group);
    if (!isSsoRole(role)) continue;
    if (best === null || ROLE_RANK[role] > ROLE_RANK[best]) best = role;
  }
  return best ?? (isSsoRole(connection.defaultRole) ? connection.defaultRole : 'viewer');
}

/** `role`, or the ceiling when that is lower. */
function capped(role: SsoRole, ceiling: Role): SsoRole {
  if (ROLE_RANK[role] <= ROLE_RANK[ceiling]) return role;
  return ceiling === 'owner' ? 'admin' : ceiling;
}

function isSsoRole(value: unknown): value is SsoRole {
  return typeof value === 'string' && (SSO_ROLES as readonly string[]).includes(value);
}

/** A long group list would push the event past the audit log's size limit, losing its email. */
function auditedGroups(groups: string[]): string[] {
  return groups.slice(0, AUDITED_GROUPS).map((group) => group.slice(0, AUDITED_GROUP_CHARS));
}

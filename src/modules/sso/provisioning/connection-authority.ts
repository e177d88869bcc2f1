import { Injectable } from '@nestjs/common';
import { OrganizationsService } from '../../organizations/organizations.service';
import { permissionsOf, Role, ROLE_RANK } from '../../organizations/roles';
import { connectionOwnerOf } from '../connections/connection-owner';
import type { SsoConnection } from '../connections/sso-connection.entity';
import { SsoRefusal } from '../saml/sso-refusal';
import { SsoPermissions } from '../sso.permissions';

/**
 * What a connection may do at a sign-in: no more than the person it answers to (created_by)
 * may now. Their current role in the organization bounds the roles it gives and the members
 * it signs in; once they no longer manage SSO there (removed, demoted), it signs in nobody
 * until another administrator takes it over (a PATCH). The operator's connections answer to
 * the operator, who holds every role. One membership look-up per sign-in, two more for an
 * account that exists.
 */
@Injectable()
export class ConnectionAuthority {
  constructor(private readonly organizations: OrganizationsService) {}

  /** The role that bounds the connection now; refused when its owner is gone. */
  async ceilingOf(connection: SsoConnection): Promise<Role> {
    const owner = connectionOwnerOf(connection.createdBy);
    if (owner === 'instance_admin') return 'owner';
    const membership = owner
      ? await this.organizations.membershipOf(connection.organizationId, owner.userId)
      : null;
    if (!membership || !permissionsOf(membership.role).has(SsoPermissions.write.name)) {
      throw new SsoRefusal('connection_owner_gone');
    }
    return membership.role;
  }

  /**
   * Refused (`member_outranks_connection`) when signing in this existing account would hand the
   * connection's owner a role they do not hold themselves, in any organization: a browser
   * session acts in all of the account's organizations, not only the connection's. The
   * organization's owner, once this connection verified the email's domain (DNS, or the
   * operator's word), is the authority for the domain's addresses, as domain verification makes
   * an organization in WorkOS or Okta, and is not held to this. Checked at sign-in only: sessions
   * are not pinned to the connection's organization, so one started before the account joined
   * another organization acts there too.
   */
  async assertCoversAccount(
    connection: SsoConnection,
    ceiling: Role,
    userId: string,
    domainVerifiedHere: boolean,
  ): Promise<void> {
    if (ceiling === 'owner' && domainVerifiedHere) return;
    const owner = connectionOwnerOf(connection.createdBy);
    if (owner === 'instance_admin') return;
    // Nobody known (ceilingOf refuses such a connection first): nothing to hand over.
    if (owner === null) throw new SsoRefusal('connection_owner_gone');
    const held = await this.organizations.membershipsOf(userId, MAX_MEMBERSHIPS);
    // More than can be read: not all of them can be checked, so none is handed over.
    if (held.length >= MAX_MEMBERSHIPS) throw new SsoRefusal('member_outranks_connection');
    const others = held.filter((m) => m.organizationId !== connection.organizationId);
    if (others.length === 0) return;
    const ownerHolds = new Map(
      (await this.organizations.membershipsOf(owner.userId, MAX_MEMBERSHIPS)).map((m) => [
        m.organizationId,
        m.role,
      ]),
    );
    for (const { organizationId, role } of others) {
      const theirs = ownerHolds.get(organizationId);
      if (theirs === undefined || ROLE_RANK[role] > ROLE_RANK[theirs]) {
        throw new SsoRefusal('member_outranks_connection');
      }
    }
  }
}

/** The most organizations of an account a sign-in reads (far above any real account's). */
const MAX_MEMBERSHIPS = 1_000;

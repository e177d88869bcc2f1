import { Injectable } from '@nestjs/common';
import { OrganizationsService } from '../../organizations/organizations.service';
import { permissionsOf, Role } from '../../organizations/roles';
import { connectionOwnerOf } from '../connections/connection-owner';
import type { SsoConnection } from '../connections/sso-connection.entity';
import { SsoRefusal } from '../saml/sso-refusal';
import { SsoPermissions } from '../sso.permissions';

/**
 * What a connection may do at a sign-in: no more than the person it answers to (created_by)
 * may now. Their current role in the organization bounds the roles it gives and the members
 * it signs in; once they no longer manage SSO there (removed, demoted), it signs in nobody
 * until another administrator takes it over (a PATCH). The operator's connections answer to
 * the operator, who holds every role. One membership look-up per sign-in.
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
}

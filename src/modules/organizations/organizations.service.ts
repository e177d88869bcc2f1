import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Principal, unhandledPrincipal } from '../../common/auth/principal';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
} from '../../common/errors/api-errors';
import { DEFAULT_PAGE_SIZE, ListPage, ListQueryDto, toPage } from '../../common/http/pagination';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditRecorder } from '../audit/audit-recorder.service';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import { UsersService } from '../users/users.service';
import { AddMemberDto, MemberDto } from './dto/member.dto';
import { OrganizationDto, UpdateOrganizationDto } from './dto/organization.dto';
import { DEFAULT_LEAKED_KEY_POLICY, LeakedKeyPolicy } from './leaked-key-policy';
import { Membership } from './membership.entity';
import { Organization } from './organization.entity';
import { rateLimitPerMinute } from './plans';
import { MembershipRolesCache } from './membership-roles.cache';
import { isUniqueViolation } from '../../database/errors';
import { toMemberDto, toOrganizationDto } from './organizations.mapper';
import { OrganizationsRepository } from './organizations.repository';
import { Role, ROLE_RANK } from './roles';

/** One organization of a user's, as a choice to show them. */
export interface UserMembership {
  organizationId: string;
  name: string;
  role: Role;
}

/**
 * Organizations, members and roles. Route guards have already checked the caller's permission in
 * the organization; the rules here are the ones a permission cannot express (who may grant
 * `owner`, keeping at least one owner, plans being the administrator's).
 */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersService,
    private readonly roles: MembershipRolesCache,
    private readonly audit: AuditRecorder,
    private readonly bus: CacheInvalidationBus,
  ) {}

  async list(principal: Principal, query: ListQueryDto): Promise<ListPage<OrganizationDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    if (principal.type === 'instance_admin') {
      const rows = await this.organizations.listAll(limit, query.starting_after);
      return toPage(rows, limit, (o) => toOrganizationDto(o));
    }
    if (principal.type === 'user' && !principal.delegatedTo) {
      const rows = await this.organizations.listForUser(
        principal.subject,
        limit,
        query.starting_after,
      );
      return toPage(rows, limit, (r) => toOrganizationDto(r.organization, r.role));
    }
    // Keys, clients, service accounts and applications acting for a user (a grant) have exactly
    // one organization.
    const own = principal.organizationId
      ? await this.organizations.findById(principal.organizationId)
      : null;
    return { data: own ? [toOrganizationDto(own)] : [], has_more: false };
  }

  async create(principal: Principal, name: string): Promise<OrganizationDto> {
    if (principal.type !== 'user' || principal.delegatedTo)
      throw new ForbiddenError('Only a user can create an organization');
    const organization = await this.organizations.createWithOwner(
      { name, personal: false },
      principal.subject,
    );
    this.audit.record(AUDIT_ACTIONS.organizationCreated, {
      organizationId: organization.id,
      by: principal,
      target: { type: 'organization', id: organization.id },
      metadata: { name },
    });
    return toOrganizationDto(organization, 'owner');
  }

  /**
   * A personal organization owned by a new user; `manager` makes it part of the registration's
   * transaction.
   */
  createPersonal(name: string, ownerUserId: string, manager: EntityManager): Promise<Organization> {
    return this.organizations.createWithOwner({ name, personal: true }, ownerUserId, manager);
  }

  /** The membership a sign-in acts in: the user's first (oldest) organization. */
  defaultMembershipOf(userId: string): Promise<Membership | null> {
    return this.organizations.firstOrganizationOf(userId);
  }

  /**
   * Every organization the user belongs to (the first `limit`), with the role there: what the
   * OAuth consent page lets the user choose from.
   */
  async membershipsOf(userId: string, limit: number): Promise<UserMembership[]> {
    const rows = await this.organizations.membershipsOfUser(userId, limit);
    return rows.map(({ organization, role }) => ({
      organizationId: organization.id,
      name: organization.name,
      role,
    }));
  }

  /** The organization's per-minute request limit (its plan's), or null when it does not exist. */
  async rateLimitPerMinuteOf(organizationId: string): Promise<number | null> {
    const organization = await this.organizations.findById(organizationId);
    return organization
      ? rateLimitPerMinute(organization.plan, organization.customRateLimitPerMinute)
      : null;
  }

  /**
   * What a leaked-key report does to keys of these organizations (the default for any that is
   * gone): one query for a report's keys.
   */
  async leakedKeyPoliciesOf(organizationIds: string[]): Promise<Map<string, LeakedKeyPolicy>> {
    const stored = await this.organizations.leakedKeyPoliciesOf([...new Set(organizationIds)]);
    return new Map(
      organizationIds.map((id) => [id, stored.get(id) ?? DEFAULT_LEAKED_KEY_POLICY] as const),
    );
  }

  async exists(organizationId: string): Promise<boolean> {
    return (await this.organizations.findById(organizationId)) !== null;
  }

  async get(principal: Principal, organizationId: string): Promise<OrganizationDto> {
    const organization = await this.requireOrganization(organizationId);
    return toOrganizationDto(organization, principal.type === 'user' ? principal.role : undefined);
  }

  async update(
    principal: Principal,
    organizationId: string,
    dto: UpdateOrganizationDto,
  ): Promise<OrganizationDto> {
    const organization = await this.requireOrganization(organizationId);
    const changesPlan = dto.plan !== undefined || dto.rate_limit_per_minute !== undefined;
    if (changesPlan && principal.type !== 'instance_admin') {
      throw new ForbiddenError('Only the instance administrator can change plans and rate limits');
    }
    const plan = dto.plan ?? organization.plan;
    if (dto.rate_limit_per_minute !== undefined && plan !== 'enterprise') {
      throw new BadRequestError('rate_limit_per_minute can only be set on the enterprise plan');
    }
    const patch = {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.plan !== undefined ? { plan: dto.plan } : {}),
      ...(dto.leaked_key_policy !== undefined ? { leakedKeyPolicy: dto.leaked_key_policy } : {}),
      ...(dto.rate_limit_per_minute !== undefined
        ? { customRateLimitPerMinute: dto.rate_limit_per_minute }
        : plan !== 'enterprise'
          ? { customRateLimitPerMinute: null }
          : {}),
    };
    const before = toOrganizationDto(organization);
    await this.organizations.update(organizationId, patch);
    const after = toOrganizationDto({ ...organization, ...patch });
    if (changesPlan) await this.bus.publish({ kind: 'organization', id: organizationId });
    const changed = (
      ['name', 'plan', 'rate_limit_per_minute', 'leaked_key_policy'] as const
    ).filter((field) => before[field] !== after[field]);
    if (changed.length > 0) {
      this.audit.record(AUDIT_ACTIONS.organizationUpdated, {
        organizationId,
        by: principal,
        target: { type: 'organization', id: organizationId },
        metadata: { changed, ...Object.fromEntries(changed.map((field) => [field, after[field]])) },
      });
    }
    return this.get(principal, organizationId);
  }

  async listMembers(organizationId: string, query: ListQueryDto): Promise<ListPage<MemberDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.organizations.listMembers(organizationId, limit, query.starting_after);
    return toPage(rows, limit, toMemberDto);
  }

  async addMember(
    principal: Principal,
    organizationId: string,
    dto: AddMemberDto,
  ): Promise<MemberDto> {
    await this.requireOrganization(organizationId);
    this.assertMayAssign(principal, dto.role);
    const user = await this.users.findByEmail(dto.email);
    if (!user) throw new NotFoundError('No user with this email; they must register first');
    const alreadyMember = () =>
      new ConflictError('User is already a member of this organization', 'already_member');
    if (await this.organizations.findMembership(organizationId, user.id)) throw alreadyMember();
    // Two identical requests racing past the check: the unique index decides, and the loser
    // gets the same 409 rather than a 500.
    const membership = await this.organizations
      .addMember(organizationId, user.id, dto.role)
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? alreadyMember() : error;
      });
    await this.roles.forget(user.id, organizationId);
    this.audit.record(AUDIT_ACTIONS.memberAdded, {
      organizationId,
      by: principal,
      target: { type: 'user', id: user.id },
      metadata: { role: dto.role, email: user.email },
    });
    return toMemberDto({ membership, user });
  }

  async changeRole(
    principal: Principal,
    organizationId: string,
    userId: string,
    role: Role,
  ): Promise<MemberDto> {
    this.assertMayAssign(principal, role);
    const before = await this.changeMembership(principal, organizationId, userId, role);
    if (before.role !== role) {
      this.audit.record(AUDIT_ACTIONS.memberRoleChanged, {
        organizationId,
        by: principal,
        target: { type: 'user', id: userId },
        metadata: { from: before.role, to: role },
      });
    }
    const user = (await this.users.findById(userId))!;
    return toMemberDto({ membership: { ...before, role }, user });
  }

  /** The user's membership of the organization, or null. */
  membershipOf(organizationId: string, userId: string): Promise<Membership | null> {
    return this.organizations.findMembership(organizationId, userId);
  }

  /**
   * Adds a user provisioned by the organization's own identity provider (SAML just-in-time
   * provisioning): no caller to check, the connection's settings decided the role, and the SSO
   * module audits it. Never `owner`. `manager`: within the transaction that creates the user.
   */
  async addProvisionedMember(
    organizationId: string,
    userId: string,
    role: Role,
    manager?: EntityManager,
  ): Promise<void> {
    if (role === 'owner') throw new ForbiddenError('SSO never provisions an owner');
    await this.organizations.addMember(organizationId, userId, role, manager);
    await this.roles.forget(userId, organizationId);
  }

  /**
   * The role the identity provider's groups give a member at login (when the connection says
   * so). An owner is left as they are: only an owner changes an owner. Answers the role before.
   */
  async setProvisionedRole(
    organizationId: string,
    userId: string,
    role: Role,
  ): Promise<Role | null> {
    if (role === 'owner') throw new ForbiddenError('SSO never makes an owner');
    const change = await this.organizations
      .changeMembershipKeepingAnOwner(organizationId, userId, role, (current) => {
        if (current.role === 'owner') throw new OwnerUnchanged();
      })
      .catch((error: unknown) => {
        if (error instanceof OwnerUnchanged) return null;
        throw error;
      });
    if (change?.outcome !== 'changed') return null;
    await this.roles.forget(userId, organizationId);
    return change.membership.role;
  }

  async removeMember(principal: Principal, organizationId: string, userId: string): Promise<void> {
    const before = await this.changeMembership(principal, organizationId, userId, null);
    this.audit.record(AUDIT_ACTIONS.memberRemoved, {
      organizationId,
      by: principal,
      target: { type: 'user', id: userId },
      metadata: { role: before.role },
    });
  }

  /** A new role (or none): never above the caller's own, never the last owner's. */
  private async changeMembership(
    principal: Principal,
    organizationId: string,
    userId: string,
    role: Role | null,
  ): Promise<Membership> {
    const change = await this.organizations.changeMembershipKeepingAnOwner(
      organizationId,
      userId,
      role,
      (current) => this.assertMayAssign(principal, current.role),
    );
    if (change.outcome === 'not_a_member') throw new NotFoundError('Member not found');
    if (change.outcome === 'last_owner') {
      throw new ConflictError('An organization must keep at least one owner', 'last_owner');
    }
    await this.roles.forget(userId, organizationId);
    return change.membership;
  }

  private async requireOrganization(organizationId: string) {
    const organization = await this.organizations.findById(organizationId);
    if (!organization) throw new NotFoundError('Organization not found');
    return organization;
  }

  /**
   * Nobody grants, changes or removes a role above their own. An API key ranks as the role of
   * the user it acts for, never above it.
   */
  private assertMayAssign(principal: Principal, role: Role): void {
    const own = rankedRoleOf(principal);
    if (own === 'instance_admin') return;
    if (!own || ROLE_RANK[role] > ROLE_RANK[own]) {
      throw new ForbiddenError(`Only an owner can grant or change the ${role} role`);
    }
  }
}

/** The role a caller acts with in the organization; null when it has none. */
function rankedRoleOf(principal: Principal): Role | 'instance_admin' | null {
  switch (principal.type) {
    case 'instance_admin':
      return 'instance_admin';
    case 'user':
      return principal.role;
    case 'api_key':
      return principal.ownerRole;
    case 'oauth_client':
    case 'service_account':
      return null; // a client or an account holds scopes, never a role: it assigns none
    default:
      return unhandledPrincipal(principal);
  }
}

/** Thrown inside the membership transaction to leave an owner's role as it is (rolled back). */
class OwnerUnchanged extends Error {}

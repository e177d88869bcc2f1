import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
} from '../../common/errors/api-errors';
import { DEFAULT_PAGE_SIZE, ListPage, ListQueryDto, toPage } from '../../common/http/pagination';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import { UsersRepository } from '../users/users.repository';
import { AddMemberDto, MemberDto } from './dto/member.dto';
import { OrganizationDto, UpdateOrganizationDto } from './dto/organization.dto';
import { MembershipRolesCache } from './membership-roles.cache';
import { isUniqueViolation } from '../../database/errors';
import { toMemberDto, toOrganizationDto } from './organizations.mapper';
import { OrganizationsRepository } from './organizations.repository';
import { Role, ROLE_RANK } from './roles';

/**
 * Organizations, members and roles. Route guards have already checked the caller's permission in
 * the organization; the rules here are the ones a permission cannot express (who may grant
 * `owner`, keeping at least one owner, plans being the administrator's).
 */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly roles: MembershipRolesCache,
    private readonly audit: AuditService,
    private readonly bus: CacheInvalidationBus,
  ) {}

  async list(principal: Principal, query: ListQueryDto): Promise<ListPage<OrganizationDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    if (principal.type === 'instance_admin') {
      const rows = await this.organizations.listAll(limit, query.starting_after);
      return toPage(rows, limit, (o) => toOrganizationDto(o));
    }
    if (principal.type === 'user') {
      const rows = await this.organizations.listForUser(
        principal.subject,
        limit,
        query.starting_after,
      );
      return toPage(rows, limit, (r) => toOrganizationDto(r.organization, r.role));
    }
    // Keys and clients belong to exactly one organization.
    const own = principal.organizationId
      ? await this.organizations.findById(principal.organizationId)
      : null;
    return { data: own ? [toOrganizationDto(own)] : [], has_more: false };
  }

  async create(principal: Principal, name: string): Promise<OrganizationDto> {
    if (principal.type !== 'user')
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

  async get(principal: Principal, organizationId: string): Promise<OrganizationDto> {
    const organization = await this.requireOrganization(organizationId);
    return toOrganizationDto(organization, principal.role ?? undefined);
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
    await this.organizations.update(organizationId, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.plan !== undefined ? { plan: dto.plan } : {}),
      ...(dto.rate_limit_per_minute !== undefined
        ? { customRateLimitPerMinute: dto.rate_limit_per_minute }
        : plan !== 'enterprise'
          ? { customRateLimitPerMinute: null }
          : {}),
    });
    if (changesPlan) await this.bus.publish({ kind: 'organization', id: organizationId });
    this.audit.record(AUDIT_ACTIONS.organizationUpdated, {
      organizationId,
      by: principal,
      target: { type: 'organization', id: organizationId },
      metadata: { changed: Object.keys(dto), ...dto },
    });
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
    const membership = await this.requireMembership(organizationId, userId);
    this.assertMayAssign(principal, membership.role);
    this.assertMayAssign(principal, role);
    if (membership.role === 'owner' && role !== 'owner')
      await this.assertNotLastOwner(organizationId);
    await this.organizations.updateMemberRole(organizationId, userId, role);
    await this.roles.forget(userId, organizationId);
    this.audit.record(AUDIT_ACTIONS.memberRoleChanged, {
      organizationId,
      by: principal,
      target: { type: 'user', id: userId },
      metadata: { from: membership.role, to: role },
    });
    const user = (await this.users.findById(userId))!;
    return toMemberDto({ membership: { ...membership, role }, user });
  }

  async removeMember(principal: Principal, organizationId: string, userId: string): Promise<void> {
    const membership = await this.requireMembership(organizationId, userId);
    this.assertMayAssign(principal, membership.role);
    if (membership.role === 'owner') await this.assertNotLastOwner(organizationId);
    await this.organizations.removeMember(organizationId, userId);
    await this.roles.forget(userId, organizationId);
    this.audit.record(AUDIT_ACTIONS.memberRemoved, {
      organizationId,
      by: principal,
      target: { type: 'user', id: userId },
      metadata: { role: membership.role },
    });
  }

  private async requireOrganization(organizationId: string) {
    const organization = await this.organizations.findById(organizationId);
    if (!organization) throw new NotFoundError('Organization not found');
    return organization;
  }

  private async requireMembership(organizationId: string, userId: string) {
    const membership = await this.organizations.findMembership(organizationId, userId);
    if (!membership) throw new NotFoundError('Member not found');
    return membership;
  }

  /** Nobody grants, changes or removes a role above their own (API keys rank as `admin`). */
  private assertMayAssign(principal: Principal, role: Role): void {
    if (principal.type === 'instance_admin') return;
    const own = principal.type === 'user' ? principal.role : 'admin';
    if (!own || ROLE_RANK[role] > ROLE_RANK[own]) {
      throw new ForbiddenError(`Only an owner can grant or change the ${role} role`);
    }
  }

  private async assertNotLastOwner(organizationId: string): Promise<void> {
    if ((await this.organizations.countOwners(organizationId)) <= 1) {
      throw new ConflictError('An organization must keep at least one owner', 'last_owner');
    }
  }
}

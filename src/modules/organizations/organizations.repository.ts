import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, LessThan, Repository } from 'typeorm';
import { uuidv7 } from '../../common/ids';
import { isSqlite, transactionAlone } from '../../database/transactions';
import { User } from '../users/user.entity';
import { DEFAULT_LEAKED_KEY_POLICY, type LeakedKeyPolicy } from './leaked-key-policy';
import { Membership } from './membership.entity';
import { Organization } from './organization.entity';
import { Role } from './roles';

/** What became of a role change; `membership` is the row as it was before. */
export type MembershipChange =
  { outcome: 'not_a_member' } | { outcome: 'last_owner' | 'changed'; membership: Membership };

export interface MemberRow {
  membership: Membership;
  user: User;
}

/**
 * Organizations and their memberships. Every method that reads or changes an organization's data
 * takes its id and filters by it. Lists are newest first and page by id (ids are UUIDv7).
 */
@Injectable()
export class OrganizationsRepository {
  constructor(
    @InjectRepository(Organization) private readonly organizations: Repository<Organization>,
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
  ) {}

  async createWithOwner(
    fields: Pick<Organization, 'name' | 'personal'>,
    ownerUserId: string,
    manager: EntityManager = this.organizations.manager,
  ): Promise<Organization> {
    const now = new Date();
    const organization: Organization = {
      id: uuidv7(),
      name: fields.name,
      personal: fields.personal,
      plan: 'free',
      customRateLimitPerMinute: null,
      leakedKeyPolicy: DEFAULT_LEAKED_KEY_POLICY,
      createdAt: now,
      updatedAt: now,
    };
    await manager.insert(Organization, organization);
    await manager.insert(Membership, {
      id: uuidv7(),
      organizationId: organization.id,
      userId: ownerUserId,
      role: 'owner',
      createdAt: now,
    });
    return organization;
  }

  findById(organizationId: string): Promise<Organization | null> {
    return this.organizations.findOneBy({ id: organizationId });
  }

  /** The leaked-key policy of each of these organizations that exists: one query. */
  async leakedKeyPoliciesOf(organizationIds: string[]): Promise<Map<string, LeakedKeyPolicy>> {
    if (organizationIds.length === 0) return new Map();
    const rows = await this.organizations.find({
      select: { id: true, leakedKeyPolicy: true },
      where: { id: In(organizationIds) },
    });
    return new Map(rows.map((row) => [row.id, row.leakedKeyPolicy]));
  }

  /** All organizations (instance administrator only). */
  listAll(limit: number, startingAfter?: string): Promise<Organization[]> {
    return this.organizations.find({
      where: startingAfter ? { id: LessThan(startingAfter) } : {},
      order: { id: 'DESC' },
      take: limit + 1,
    });
  }

  async listForUser(
    userId: string,
    limit: number,
    startingAfter?: string,
  ): Promise<{ organization: Organization; role: Role }[]> {
    const memberships = await this.memberships.find({ where: { userId } });
    const roleByOrg = new Map(memberships.map((m) => [m.organizationId, m.role]));
    if (roleByOrg.size === 0) return [];
    const organizationIds = [...roleByOrg.keys()].filter(
      (id) => !startingAfter || id < startingAfter,
    );
    const organizations = await this.organizations.find({
      where: { id: In(organizationIds.length ? organizationIds : ['-']) },
      order: { id: 'DESC' },
      take: limit + 1,
    });
    return organizations.map((organization) => ({
      organization,
      role: roleByOrg.get(organization.id)!,
    }));
  }

  /**
   * The organizations the user belongs to, with the role in each, oldest membership first (the
   * personal organization leads), at most `limit`.
   */
  async membershipsOfUser(
    userId: string,
    limit: number,
  ): Promise<{ organization: Organization; role: Role }[]> {
    const memberships = await this.memberships.find({
      where: { userId },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
    });
    if (memberships.length === 0) return [];
    const organizations = await this.organizations.findBy({
      id: In(memberships.map((m) => m.organizationId)),
    });
    const byId = new Map(organizations.map((o) => [o.id, o]));
    return memberships.flatMap((m) => {
      const organization = byId.get(m.organizationId);
      return organization ? [{ organization, role: m.role }] : [];
    });
  }

  /** The user's first (oldest) organization: the default one a login acts in. */
  async firstOrganizationOf(userId: string): Promise<Membership | null> {
    return this.memberships.findOne({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async update(
    organizationId: string,
    patch: Partial<
      Pick<Organization, 'name' | 'plan' | 'customRateLimitPerMinute' | 'leakedKeyPolicy'>
    >,
  ): Promise<void> {
    await this.organizations.update({ id: organizationId }, { ...patch, updatedAt: new Date() });
  }

  findMembership(organizationId: string, userId: string): Promise<Membership | null> {
    return this.memberships.findOneBy({ organizationId, userId });
  }

  /**
   * Newest membership first, `limit + 1` rows. `startingAfterUserId` is a member's `user_id`, the
   * only id a member's answer carries: the page goes on after that member's membership (none
   * when they are not a member).
   */
  async listMembers(
    organizationId: string,
    limit: number,
    startingAfterUserId?: string,
  ): Promise<MemberRow[]> {
    let before: string | undefined;
    if (startingAfterUserId !== undefined) {
      const after = await this.memberships.findOneBy({
        organizationId,
        userId: startingAfterUserId,
      });
      if (!after) return [];
      before = after.id;
    }
    const memberships = await this.memberships.find({
      where: before ? { organizationId, id: LessThan(before) } : { organizationId },
      order: { id: 'DESC' },
      take: limit + 1,
    });
    const users = await this.memberships.manager.findBy(User, {
      id: In(memberships.length ? memberships.map((m) => m.userId) : ['-']),
    });
    const userById = new Map(users.map((u) => [u.id, u]));
    return memberships
      .filter((m) => userById.has(m.userId))
      .map((membership) => ({ membership, user: userById.get(membership.userId)! }));
  }

  async addMember(
    organizationId: string,
    userId: string,
    role: Role,
    manager?: EntityManager,
  ): Promise<Membership> {
    const membership: Membership = {
      id: uuidv7(),
      organizationId,
      userId,
      role,
      createdAt: new Date(),
    };
    await (manager ?? this.memberships.manager).insert(Membership, membership);
    return membership;
  }

  /**
   * Gives a member another role, or removes them (`null`), unless that would leave the
   * organization without an owner. Counting the owners and changing the row happen in one
   * transaction that holds the organization's row lock (MySQL) or runs alone (SQLite), so two
   * owners demoting each other at once cannot both succeed. `mayChange` sees the row as it is
   * inside that transaction and throws to refuse.
   */
  changeMembershipKeepingAnOwner(
    organizationId: string,
    userId: string,
    role: Role | null,
    mayChange: (current: Membership) => void,
  ): Promise<MembershipChange> {
    return transactionAlone(this.memberships.manager, async (manager) => {
      if (!isSqlite(manager.connection)) {
        await manager
          .createQueryBuilder(Organization, 'o')
          .setLock('pessimistic_write')
          .where('o.id = :organizationId', { organizationId })
          .getOne();
      }
      const membership = await manager.findOneBy(Membership, { organizationId, userId });
      if (!membership) return { outcome: 'not_a_member' };
      mayChange(membership);
      if (membership.role === 'owner' && role !== 'owner') {
        const owners = await manager.countBy(Membership, { organizationId, role: 'owner' });
        if (owners <= 1) return { outcome: 'last_owner', membership };
      }
      if (role === null) await manager.delete(Membership, { organizationId, userId });
      else await manager.update(Membership, { organizationId, userId }, { role });
      return { outcome: 'changed', membership };
    });
  }
}

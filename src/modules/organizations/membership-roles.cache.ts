import { Injectable } from '@nestjs/common';
import { InvalidatableCache } from '../../common/cache/invalidatable-cache';
import { StalePolicy } from '../../common/cache/stale-policy';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import { OrganizationsRepository } from './organizations.repository';
import { Role } from './roles';
import { growingBound } from '../../common/cache/growing-bound';

const NO_MEMBERSHIP = 'none' as const;

/**
 * A user's role per organization, read on every user-token request. Cached in memory for a short
 * time; every role change or removal drops the entry at once, on every instance. While the
 * database cannot be reached, a role that ran out answers stale (StalePolicy).
 */
@Injectable()
export class MembershipRolesCache {
  /** A look-up racing a role change does not cache the old role. */
  private readonly cache: InvalidatableCache<string, Role | typeof NO_MEMBERSHIP>;

  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly bus: CacheInvalidationBus,
    stale: StalePolicy,
  ) {
    this.cache = new InvalidatableCache({ ...growingBound(50_000), ttl: 30_000 }, stale);
    bus.on('membership', (event) => {
      if (event.kind === 'membership')
        this.cache.invalidate(`${event.userId}:${event.organizationId}`);
    });
  }

  /** The cached role, or undefined when only the database can tell (or there is none). */
  cachedRoleOf(userId: string, organizationId: string): Role | undefined {
    const cached = this.cache.get(`${userId}:${organizationId}`);
    return cached === undefined || cached === NO_MEMBERSHIP ? undefined : cached;
  }

  async roleOf(userId: string, organizationId: string): Promise<Role | null> {
    const role = await this.cache.getOrLoad(`${userId}:${organizationId}`, async () => {
      const membership = await this.organizations.findMembership(organizationId, userId);
      return membership?.role ?? NO_MEMBERSHIP;
    });
    return role === NO_MEMBERSHIP || role === undefined ? null : role;
  }

  /** Drops the entry here and on every other instance. */
  forget(userId: string, organizationId: string): Promise<void> {
    return this.bus.publish({ kind: 'membership', userId, organizationId });
  }
}

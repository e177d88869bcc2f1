import { Injectable } from '@nestjs/common';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import { LRUCache } from 'lru-cache';
import { OrganizationsRepository } from './organizations.repository';
import { Role } from './roles';

const NO_MEMBERSHIP = 'none' as const;

/**
 * A user's role per organization, read on every user-token request. Cached in memory for a short
 * time; every role change or removal drops the entry at once, on every instance.
 */
@Injectable()
export class MembershipRolesCache {
  /** Bumped by every invalidation: a look-up racing a role change does not cache the old role. */
  private invalidations = 0;
  private readonly cache = new LRUCache<string, Role | typeof NO_MEMBERSHIP>({
    max: 50_000,
    ttl: 30_000,
  });

  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly bus: CacheInvalidationBus,
  ) {
    bus.on('membership', (event) => {
      if (event.kind !== 'membership') return;
      this.invalidations += 1;
      this.cache.delete(`${event.userId}:${event.organizationId}`);
    });
  }

  /** The cached role, or undefined when only the database can tell (or there is none). */
  cachedRoleOf(userId: string, organizationId: string): Role | undefined {
    const cached = this.cache.get(`${userId}:${organizationId}`);
    return cached === undefined || cached === NO_MEMBERSHIP ? undefined : cached;
  }

  async roleOf(userId: string, organizationId: string): Promise<Role | null> {
    const key = `${userId}:${organizationId}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached === NO_MEMBERSHIP ? null : cached;
    const generation = this.invalidations;
    const membership = await this.organizations.findMembership(organizationId, userId);
    if (generation === this.invalidations) this.cache.set(key, membership?.role ?? NO_MEMBERSHIP);
    return membership?.role ?? null;
  }

  /** Drops the entry here and on every other instance. */
  forget(userId: string, organizationId: string): Promise<void> {
    return this.bus.publish({ kind: 'membership', userId, organizationId });
  }
}

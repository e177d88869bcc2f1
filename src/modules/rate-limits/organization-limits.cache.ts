import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { rateLimitPerMinute } from '../organizations/plans';

/**
 * Each organization's per-minute limit, read on every authenticated request: cached for a short
 * time, and dropped on every instance when the administrator changes the plan.
 */
@Injectable()
export class OrganizationLimitsCache {
  private readonly cache = new LRUCache<string, number>({ max: 50_000, ttl: 60_000 });

  constructor(
    private readonly organizations: OrganizationsRepository,
    bus: CacheInvalidationBus,
  ) {
    bus.on('organization', (event) => event.kind === 'organization' && this.cache.delete(event.id));
  }

  /** The cached limit, if any: the hot path's synchronous look-up. */
  cached(organizationId: string): number | undefined {
    return this.cache.get(organizationId);
  }

  async perMinute(organizationId: string): Promise<number | null> {
    const cached = this.cache.get(organizationId);
    if (cached !== undefined) return cached;
    const organization = await this.organizations.findById(organizationId);
    if (!organization) return null;
    const limit = rateLimitPerMinute(organization.plan, organization.customRateLimitPerMinute);
    this.cache.set(organizationId, limit);
    return limit;
  }
}

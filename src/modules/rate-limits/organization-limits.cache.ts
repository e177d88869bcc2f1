import { Injectable } from '@nestjs/common';
import { InvalidatableCache } from '../../common/cache/invalidatable-cache';
import { StalePolicy } from '../../common/cache/stale-policy';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import { OrganizationsService } from '../organizations/organizations.service';
import { growingBound } from '../../common/cache/growing-bound';

/**
 * Each organization's per-minute limit, read on every authenticated request: cached for a short
 * time, and dropped on every instance when the administrator changes the plan (a limit read
 * while the plan changed is not cached). While the database cannot be reached, a limit that ran
 * out answers stale (StalePolicy).
 */
@Injectable()
export class OrganizationLimitsCache {
  private readonly cache: InvalidatableCache<string, number>;

  constructor(
    private readonly organizations: OrganizationsService,
    bus: CacheInvalidationBus,
    stale: StalePolicy,
  ) {
    this.cache = new InvalidatableCache({ ...growingBound(50_000), ttl: 60_000 }, stale);
    bus.on(
      'organization',
      (event) => event.kind === 'organization' && this.cache.invalidate(event.id),
    );
  }

  /** The cached limit, if any: the hot path's synchronous look-up. */
  cached(organizationId: string): number | undefined {
    return this.cache.get(organizationId);
  }

  async perMinute(organizationId: string): Promise<number | null> {
    const limit = await this.cache.getOrLoad(organizationId, async () => {
      return (await this.organizations.rateLimitPerMinuteOf(organizationId)) ?? undefined;
    });
    return limit ?? null;
  }
}

import { Injectable } from '@nestjs/common';
import { CacheInvalidationBus, Invalidation } from '../../common/cluster/cache-invalidation.bus';

/** One change to an account or its keys, as every instance hears it. */
export type ServiceAccountChange = Omit<Extract<Invalidation, { kind: 'service_account' }>, 'kind'>;

/**
 * Changes to service accounts and their keys, told to every instance through the cache
 * invalidation bus (Redis, and the database's log for an instance that missed it). The services
 * publish; whatever keeps an account, its keys or its tokens in memory subscribes and drops them,
 * so a disabled or deleted account and a revoked key are refused everywhere on the next request.
 */
@Injectable()
export class ServiceAccountChanges {
  constructor(private readonly bus: CacheInvalidationBus) {}

  /** Runs `handler` on this instance for every change, made here or elsewhere. Synchronous, cheap. */
  onChange(handler: (change: ServiceAccountChange) => void): void {
    this.bus.on('service_account', (event) => {
      if (event.kind === 'service_account') {
        handler({ id: event.id, organizationId: event.organizationId, change: event.change });
      }
    });
  }

  /** Tells every instance; resolves once they confirmed (or the bus stopped waiting). Never throws. */
  publish(change: ServiceAccountChange): Promise<void> {
    return this.bus.publish({ kind: 'service_account', ...change });
  }
}

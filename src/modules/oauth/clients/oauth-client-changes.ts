import { Injectable } from '@nestjs/common';
import { CacheInvalidationBus, Invalidation } from '../../../common/cluster/cache-invalidation.bus';

/** One change to a client, as every instance hears it. */
export type OAuthClientChange = Omit<Extract<Invalidation, { kind: 'oauth_client' }>, 'kind'>;

/**
 * Changes to OAuth clients, told to every instance through the cache invalidation bus (Redis, and
 * the database's log for an instance that missed it). The management API publishes; whatever
 * keeps a client or its tokens in memory (the token verifier, a client cache) subscribes and
 * drops them, so a deleted client's tokens and a rotated-out secret stop working everywhere.
 */
@Injectable()
export class OAuthClientChanges {
  constructor(private readonly bus: CacheInvalidationBus) {}

  /**
   * Runs `handler` on this instance for every change to any client, made here or on another
   * instance. Synchronous and cheap: it runs inside the publishing request and the bus's reader.
   * At least once: when the log's reader reads a change before Redis brings it, both apply it,
   * so a handler must be idempotent (dropping a cache entry twice is).
   */
  onChange(handler: (change: OAuthClientChange) => void): void {
    this.bus.on('oauth_client', (event) => {
      if (event.kind === 'oauth_client') handler(changeOf(event));
    });
  }

  /** Like `onChange`, for deletions only: the client, its grants and its tokens are gone. */
  onDeleted(handler: (change: OAuthClientChange) => void): void {
    this.onChange((change) => {
      if (change.change === 'deleted') handler(change);
    });
  }

  /** Tells every instance; resolves once they confirmed (or the bus stopped waiting). Never throws. */
  publish(change: OAuthClientChange): Promise<void> {
    return this.bus.publish({ kind: 'oauth_client', ...change });
  }
}

function changeOf(event: Extract<Invalidation, { kind: 'oauth_client' }>): OAuthClientChange {
  return { id: event.id, organizationId: event.organizationId, change: event.change };
}

import { Injectable, OnModuleInit } from '@nestjs/common';
import { InvalidatableCache } from '../../../common/cache/invalidatable-cache';
import { CacheInvalidationBus } from '../../../common/cluster/cache-invalidation.bus';
import type { OAuthClient } from '../storage/oauth-client.entity';
import { OAuthClientsRepository } from './oauth-clients.repository';

/** Marks a client_id looked up and not found, so a made-up one is one query per its lifetime. */
const UNKNOWN = Symbol('unknown client');

/**
 * Clients by `client_id`, for the token endpoint and the token verifier (a deleted client's tokens
 * stop working). Invalidated on every instance by the `oauth_client` event, which every change to
 * a client publishes (registration included, so an earlier "unknown" is not kept); entries live
 * at most 60 s besides (InvalidatableCache).
 */
@Injectable()
export class OAuthClientsCache implements OnModuleInit {
  private readonly cache = new InvalidatableCache<string, OAuthClient | typeof UNKNOWN>({
    max: 10_000,
    ttl: 60_000,
  });

  constructor(
    private readonly clients: OAuthClientsRepository,
    private readonly bus: CacheInvalidationBus,
  ) {}

  onModuleInit(): void {
    this.bus.on('oauth_client', (event) => {
      if (event.kind === 'oauth_client') this.cache.invalidate(event.id);
    });
  }

  /** The client if this instance holds it, without waiting (undefined: not known here). */
  cached(clientId: string): OAuthClient | null | undefined {
    const entry = this.cache.get(clientId);
    return entry === UNKNOWN ? null : entry;
  }

  async find(clientId: string): Promise<OAuthClient | null> {
    const entry = await this.cache.getOrLoad(
      clientId,
      async () => (await this.clients.findByClientId(clientId)) ?? UNKNOWN,
    );
    return entry === UNKNOWN || entry === undefined ? null : entry;
  }
}

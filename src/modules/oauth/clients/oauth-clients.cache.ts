import { Injectable, OnModuleInit } from '@nestjs/common';
import { growingBound } from '../../../common/cache/growing-bound';
import { InvalidatableCache } from '../../../common/cache/invalidatable-cache';
import type { OAuthClient } from '../storage/oauth-client.entity';
import { OAuthClientChanges } from './oauth-client-changes';
import { OAuthClientsRepository } from './oauth-clients.repository';

/** Marks a client_id looked up and not found, so a made-up one is one query per its lifetime. */
const UNKNOWN = Symbol('unknown client');

/**
 * Clients by `client_id`, for the token endpoint and the token verifier (a deleted client's tokens
 * stop working). Dropped on every instance when a client changes or goes (OAuthClientChanges);
 * entries live at most 60 s besides (InvalidatableCache). A registration needs no message: its
 * client_id is new, so no instance can hold it as unknown.
 */
@Injectable()
export class OAuthClientsCache implements OnModuleInit {
  private readonly cache = new InvalidatableCache<string, OAuthClient | typeof UNKNOWN>({
    ...growingBound(10_000),
    ttl: 60_000,
  });

  constructor(
    private readonly clients: OAuthClientsRepository,
    private readonly changes: OAuthClientChanges,
  ) {}

  onModuleInit(): void {
    this.changes.onChange((change) => this.cache.invalidate(change.id));
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

import { Injectable, OnModuleInit } from '@nestjs/common';
import { InvalidatableCache } from '../../../common/cache/invalidatable-cache';
import { CacheInvalidationBus } from '../../../common/cluster/cache-invalidation.bus';
import type { OAuthGrant } from '../storage/oauth-grant.entity';
import { OAuthGrantsRepository } from './oauth-grants.repository';
import { growingBound } from '../../../common/cache/growing-bound';

/** Marks a grant looked up and not found: an ended grant never comes back under its id. */
const ENDED = Symbol('ended grant');

/**
 * Grants by id, for the verification of the access tokens issued under them (`gid`): many tokens
 * of one grant cost one query a minute. Ending a grant publishes `oauth_grant`, which drops the
 * entry here (and the tokens in OAuthAccessTokens) on every instance before the answer; entries
 * live at most 60 s besides (InvalidatableCache).
 */
@Injectable()
export class OAuthGrantsCache implements OnModuleInit {
  private readonly cache = new InvalidatableCache<string, OAuthGrant | typeof ENDED>({
    ...growingBound(50_000),
    ttl: 60_000,
  });

  constructor(
    private readonly grants: OAuthGrantsRepository,
    private readonly bus: CacheInvalidationBus,
  ) {}

  onModuleInit(): void {
    this.bus.on('oauth_grant', (event) => {
      if (event.kind === 'oauth_grant') this.cache.invalidate(event.id);
    });
  }

  async find(grantId: string): Promise<OAuthGrant | null> {
    const entry = await this.cache.getOrLoad(
      grantId,
      async () => (await this.grants.findGrant(grantId)) ?? ENDED,
    );
    return entry === ENDED || entry === undefined ? null : entry;
  }
}

import { Injectable } from '@nestjs/common';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import { LRUCache } from 'lru-cache';
import type { AccessTokenClaims } from '../tokens/access-tokens.service';

/**
 * Access tokens verified before, by token string, until they expire. A hit skips the signature
 * check and the database look-ups (denylist, session) the JWT strategy does on a miss.
 * Invalidation: logout and session revocation call `forgetSession`, so the token fails on the
 * very next request of this instance.
 */
@Injectable()
export class AccessTokenCache {
  private readonly cache = new LRUCache<string, AccessTokenClaims>({
    max: 20_000,
    ttlAutopurge: false,
  });

  /** Bumped by every invalidation; see ApiKeyCache: a fill racing a logout is not cached. */
  private invalidations = 0;

  constructor(private readonly bus: CacheInvalidationBus) {
    bus.on('session', (event) => event.kind === 'session' && this.forgetSessionHere(event.id));
  }

  get(token: string): AccessTokenClaims | undefined {
    const claims = this.cache.get(token);
    if (claims && claims.exp * 1000 <= Date.now()) {
      this.cache.delete(token);
      return undefined;
    }
    return claims;
  }

  generation(): number {
    return this.invalidations;
  }

  remember(token: string, claims: AccessTokenClaims, generation: number): void {
    if (generation !== this.invalidations) return;
    const ttl = claims.exp * 1000 - Date.now();
    if (ttl > 0) this.cache.set(token, claims, { ttl });
  }

  /** Drops the session's tokens here and on every other instance. */
  forgetSession(sessionId: string): Promise<void> {
    return this.bus.publish({ kind: 'session', id: sessionId });
  }

  /** Rare (logout, reuse detection): a scan of the bounded cache is cheaper than an index. */
  private forgetSessionHere(sessionId: string): void {
    this.invalidations += 1;
    for (const [token, claims] of this.cache.entries()) {
      if (claims.sid === sessionId) this.cache.delete(token);
    }
  }
}

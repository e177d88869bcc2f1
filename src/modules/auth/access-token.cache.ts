import { Injectable } from '@nestjs/common';
import { growingBound } from '../../common/cache/growing-bound';
import { InvalidatableCache } from '../../common/cache/invalidatable-cache';
import { StalePolicy } from '../../common/cache/stale-policy';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import type { AccessTokenClaims } from '../tokens/access-tokens.service';

interface CachedToken {
  token: string;
  claims: AccessTokenClaims;
}

/**
 * The in-memory key of a token: the end of its signature (43 base64url characters, 256 bits of
 * an RS256 signature). A Map hashes every character of its key on each look-up and a whole
 * access token is ~800 characters, which measured as the largest single cost of a cached JWT
 * request. A hit still compares the whole token, so a made-up token that shares the suffix is
 * a miss (and then fails its signature check), never another token's claims.
 */
function keyOf(token: string): string {
  return token.slice(-43);
}

/**
 * Access tokens verified before, until they expire or for 60 s at most (no cached entry lives
 * longer, see InvalidatableCache). A hit skips the signature check and the database look-ups
 * (denylist, session) the JWT strategy does on a miss.
 * Invalidation: ending a session calls `forgetSession`, ending all of a user's sessions but one
 * (logout everywhere, password change, MFA turned on) `forgetSessionsOfUser`; the entries go on
 * every instance before the request that ended them answers, so the token fails on the very next
 * request anywhere (the strategy then finds the session revoked).
 * While the database cannot be reached, a token whose entry ran out answers stale until it expires
 * (StalePolicy): its session's liveness cannot be read then, and an ended session dropped it.
 */
@Injectable()
export class AccessTokenCache {
  /** A verification racing a logout is not cached. */
  private readonly cache: InvalidatableCache<string, CachedToken>;

  constructor(
    private readonly bus: CacheInvalidationBus,
    stale: StalePolicy,
  ) {
    this.cache = new InvalidatableCache({ ...growingBound(20_000), ttlAutopurge: false }, stale);
    bus.on('session', (event) => event.kind === 'session' && this.forgetSessionHere(event.id));
    bus.on('user_sessions', (event) => {
      if (event.kind === 'user_sessions')
        this.forgetSessionsOfUserHere(event.userId, event.exceptSessionId);
    });
  }

  get(token: string): AccessTokenClaims | undefined {
    const key = keyOf(token);
    const entry = this.cache.get(key);
    if (!entry || entry.token !== token) return undefined;
    if (entry.claims.exp * 1000 <= Date.now()) {
      this.cache.delete(key);
      return undefined;
    }
    return entry.claims;
  }

  /** Read before verifying a token; pass it back to `remember`. */
  generation(): number {
    return this.cache.generation();
  }

  /**
   * `verify`'s claims (a check against the database) or, when it fails because the database
   * cannot be reached, those of the very token's stale entry if it has not expired.
   */
  verifyOrStale(
    token: string,
    verify: () => Promise<AccessTokenClaims>,
  ): Promise<AccessTokenClaims> {
    return this.cache.orStale(keyOf(token), verify, (entry) =>
      entry.token === token && entry.claims.exp * 1000 > Date.now() ? entry.claims : undefined,
    );
  }

  remember(token: string, claims: AccessTokenClaims, generation: number): void {
    const ttl = claims.exp * 1000 - Date.now();
    if (ttl > 0) this.cache.setIfCurrent(keyOf(token), { token, claims }, generation, { ttl });
  }

  /** Drops the session's tokens here and on every other instance. */
  forgetSession(sessionId: string): Promise<void> {
    return this.bus.publish({ kind: 'session', id: sessionId });
  }

  /** Drops the tokens of every session of the user but `exceptSessionId`, on every instance. */
  forgetSessionsOfUser(userId: string, exceptSessionId: string | null): Promise<void> {
    return this.bus.publish({ kind: 'user_sessions', userId, exceptSessionId });
  }

  /** Rare (logout, reuse detection): a scan of the bounded cache is cheaper than an index. */
  private forgetSessionHere(sessionId: string): void {
    this.cache.invalidateWhere((entry) => entry.claims.sid === sessionId);
  }

  private forgetSessionsOfUserHere(userId: string, exceptSessionId: string | null): void {
    this.cache.invalidateWhere(
      (entry) => entry.claims.sub === userId && entry.claims.sid !== exceptSessionId,
    );
  }
}

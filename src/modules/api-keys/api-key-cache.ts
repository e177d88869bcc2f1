import { Injectable } from '@nestjs/common';
import { hash } from 'node:crypto';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import { InvalidatableCache } from '../../common/cache/invalidatable-cache';
import { StalePolicy } from '../../common/cache/stale-policy';
import type { ActingApiKey } from './api-key-authority';
import type { KeyEnvironment } from './api-key-format';
import type { IpAllowlist } from '../../common/http/ip-allowlist';
import type { KeyCredits } from './credits/key-credits';

/** What request-time verification needs of a key, precomputed once per cache fill. */
export interface VerifiedApiKey {
  id: string;
  organizationId: string;
  scopes: readonly string[];
  environment: KeyEnvironment;
  expiresAt: number | null;
  revokedAt: number | null;
  rateLimitPerHour: number;
  allowlist: IpAllowlist;
  /**
   * Whose power the key acts with: `{ userId }` (never more than that user's current role in
   * the key's organization), `{ serviceAccountId }` (never more than the account's current scopes,
   * and nothing once it is disabled or deleted), the instance administrator (an organization
   * admin's), or null for a key nobody stands behind any more (refused).
   */
  owner: { userId: string } | { serviceAccountId: string } | 'instance_admin' | null;
  /** Its usage credits (ApiKeyCredits); null for a key without a limit, which spends none. */
  credits: KeyCredits | null;
  /** How it acts now, set by ApiKeyAuthority (replaced when the owner's role changes). */
  acting?: ActingApiKey;
}

const UNKNOWN = 'unknown' as const;

/**
 * The bound of the cache, in entries and in an estimate of their bytes (what a key holds in
 * memory, with its acting form and the verify answer kept on it): ~770 bytes of heap per cached
 * key were measured with one short scope (the entry 112, acting form 64, answer 256, id and hash
 * 120, its slots in the cache's tables ~220; issue #19, docs/performance.md), so 20,000 keys hold
 * ~15 MB. Past either bound the least recently used key goes; it costs one look-up when it
 * comes back.
 */
export const API_KEY_CACHE_MAX_ENTRIES = 20_000;
export const API_KEY_CACHE_MAX_BYTES = 32 * 1024 * 1024;
const ENTRY_BYTES = 800;
const UNKNOWN_BYTES = 200;

/**
 * Roughly what a cached key holds: its fixed part, then its scopes, counted once (keys with the
 * same scopes share them, SharedValues) and once more in the answer.
 */
function sizeOf(entry: VerifiedApiKey | typeof UNKNOWN): number {
  if (entry === UNKNOWN) return UNKNOWN_BYTES;
  let bytes = ENTRY_BYTES;
  for (const scope of entry.scopes) bytes += 2 * (scope.length + 24);
  return bytes;
}

/**
 * Keys by a hash of the key, so a verified key costs no database round trip. Entries live 60 s at most;
 * expiry is checked against the cached `expiresAt` on every request, and every change (revoke,
 * rotate, update) drops the entry at once, on every instance through the invalidation bus. Hashes that matched no key are remembered
 * briefly too, so a flood of made-up (checksum-valid) keys does not become a flood of queries.
 * While the database cannot be reached, a key that ran out answers stale (StalePolicy); a hash
 * that matched no key does not (the database tells again).
 */
@Injectable()
export class ApiKeyCache {
  private readonly hashById = new Map<string, string>();
  /** A key revoked while its look-up was in flight is not cached as active. */
  private readonly cache: InvalidatableCache<string, VerifiedApiKey | typeof UNKNOWN>;

  constructor(
    private readonly bus: CacheInvalidationBus,
    stale: StalePolicy,
  ) {
    this.cache = new InvalidatableCache(
      {
        max: API_KEY_CACHE_MAX_ENTRIES,
        maxSize: API_KEY_CACHE_MAX_BYTES,
        sizeCalculation: sizeOf,
        ttl: 60_000,
        // A stale entry keeps its id here until it goes, so a revoke still finds and drops it.
        dispose: (entry, keyHash) => {
          if (entry !== UNKNOWN && this.hashById.get(entry.id) === keyHash)
            this.hashById.delete(entry.id);
        },
      },
      stale,
    );
    bus.on('api_key', (event) => event.kind === 'api_key' && this.forgetHere(event.id));
  }

  /**
   * The in-memory key of a presented API key: a one-shot SHA-256 (~0.6 us), so the cache never
   * holds raw keys. The database holds the peppered HMAC, computed only on a cache miss
   * (measured ~20% of a request's CPU when it was computed on every request).
   */
  static keyOf(presented: string): string {
    return hash('sha256', presented, 'base64');
  }

  get(keyHash: string): VerifiedApiKey | typeof UNKNOWN | undefined {
    return this.cache.get(keyHash);
  }

  /** Taken before a database look-up, passed back to `remember`. */
  generation(): number {
    return this.cache.generation();
  }

  /**
   * Runs `lookUp` for a key that missed the cache; concurrent misses of the same key share it
   * (unless the key changed since it began). `lookUp` gets the generation to pass to `remember`.
   * While the database cannot be reached, the key's stale entry answers instead, if it has one.
   */
  lookUpOnce(
    keyHash: string,
    lookUp: (generation: number) => Promise<VerifiedApiKey>,
  ): Promise<VerifiedApiKey> {
    return this.cache.loadOnce(keyHash, (generation) =>
      this.cache.orStale(keyHash, () => lookUp(generation), knownKey),
    );
  }

  remember(keyHash: string, key: VerifiedApiKey, generation: number): void {
    if (this.cache.setIfCurrent(keyHash, key, generation)) this.hashById.set(key.id, keyHash);
  }

  rememberUnknown(keyHash: string, generation: number): void {
    this.cache.setIfCurrent(keyHash, UNKNOWN, generation, { ttl: 10_000 });
  }

  /** Drops the key from this instance's cache and every other instance's. */
  forget(keyId: string): Promise<void> {
    return this.bus.publish({ kind: 'api_key', id: keyId });
  }

  private forgetHere(keyId: string): void {
    const keyHash = this.hashById.get(keyId);
    this.hashById.delete(keyId);
    this.cache.invalidate(keyHash);
  }

  static isUnknown(entry: VerifiedApiKey | typeof UNKNOWN): entry is typeof UNKNOWN {
    return entry === UNKNOWN;
  }
}

/** A stale entry answers only for a key that exists (see ApiKeyCache). */
function knownKey(entry: VerifiedApiKey | typeof UNKNOWN): VerifiedApiKey | undefined {
  return entry === UNKNOWN ? undefined : entry;
}

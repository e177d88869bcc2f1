import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { KeyEnvironment } from './api-key-format';
import type { IpAllowlist } from '../../common/http/ip-allowlist';

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
}

const UNKNOWN = 'unknown' as const;

/**
 * Keys by keyed hash, so a verified key costs no database round trip. Entries live 60 s at most;
 * expiry is checked against the cached `expiresAt` on every request, and every change made here
 * (revoke, rotate, update) drops the entry at once. Hashes that matched no key are remembered
 * briefly too, so a flood of made-up (checksum-valid) keys does not become a flood of queries.
 */
@Injectable()
export class ApiKeyCache {
  private readonly hashById = new Map<string, string>();
  private readonly cache = new LRUCache<string, VerifiedApiKey | typeof UNKNOWN>({
    max: 100_000,
    ttl: 60_000,
    dispose: (entry, keyHash) => {
      if (entry !== UNKNOWN && this.hashById.get(entry.id) === keyHash)
        this.hashById.delete(entry.id);
    },
  });

  get(keyHash: string): VerifiedApiKey | typeof UNKNOWN | undefined {
    return this.cache.get(keyHash);
  }

  remember(keyHash: string, key: VerifiedApiKey): void {
    this.cache.set(keyHash, key);
    this.hashById.set(key.id, keyHash);
  }

  rememberUnknown(keyHash: string): void {
    this.cache.set(keyHash, UNKNOWN, { ttl: 10_000 });
  }

  forget(keyId: string): void {
    const keyHash = this.hashById.get(keyId);
    if (keyHash) this.cache.delete(keyHash);
    this.hashById.delete(keyId);
  }

  static isUnknown(entry: VerifiedApiKey | typeof UNKNOWN): entry is typeof UNKNOWN {
    return entry === UNKNOWN;
  }
}

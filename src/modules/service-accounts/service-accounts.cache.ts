import { Injectable, OnModuleInit } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { growingBound } from '../../common/cache/growing-bound';
import { InvalidatableCache } from '../../common/cache/invalidatable-cache';
import { publicKeyObject } from './keys/key-material';
import type { KeyAlgorithm, ServiceAccountKey } from './keys/service-account-key.entity';
import { ServiceAccountChanges } from './service-account-changes';
import { scopesOf } from './service-accounts.mapper';
import { ServiceAccountsRepository } from './service-accounts.repository';

/** A key as assertions and tokens are checked against it (its public key parsed once). */
export interface ServiceAccountKeyState {
  readonly id: string;
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: KeyObject;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly revokedAt: number | null;
}

/**
 * An account as request-time checks need it. Frozen, and replaced (never modified) on any change
 * to the account or its keys: what is derived from one (an API key acting for it) can be kept
 * per state.
 */
export interface ServiceAccountState {
  readonly id: string;
  readonly organizationId: string;
  readonly scopes: readonly string[];
  readonly disabled: boolean;
  /** Its keys that are not revoked, by id (an assertion's `kid`). */
  readonly keys: ReadonlyMap<string, ServiceAccountKeyState>;
}

/** Marks an id looked up and not found, so a made-up `iss` costs one query per entry lifetime. */
const UNKNOWN = Symbol('unknown service account');

/**
 * Accounts with their keys, by id, for the JWT bearer grant and the verifiers of the account's
 * tokens and API keys. Hot path: a cached account is answered synchronously. Invalidated on every
 * instance by the `service_account` event, which every change publishes (creation included, so an
 * earlier "unknown" is not kept); entries live 60 s at most besides (InvalidatableCache).
 */
@Injectable()
export class ServiceAccountsCache implements OnModuleInit {
  private readonly cache = new InvalidatableCache<string, ServiceAccountState | typeof UNKNOWN>({
    ...growingBound(10_000),
    ttl: 60_000,
  });

  constructor(
    private readonly accounts: ServiceAccountsRepository,
    private readonly changes: ServiceAccountChanges,
  ) {}

  onModuleInit(): void {
    this.changes.onChange((change) => this.cache.invalidate(change.id));
  }

  /** The account if this instance holds it, without waiting: null when known missing, undefined when not known here. */
  cached(id: string): ServiceAccountState | null | undefined {
    const entry = this.cache.get(id);
    return entry === UNKNOWN ? null : entry;
  }

  async find(id: string): Promise<ServiceAccountState | null> {
    const entry = await this.cache.getOrLoad(id, async () => (await this.load(id)) ?? UNKNOWN);
    return entry === UNKNOWN || entry === undefined ? null : entry;
  }

  private async load(id: string): Promise<ServiceAccountState | null> {
    const [account, keys] = await Promise.all([
      this.accounts.findById(id),
      this.accounts.keysNotRevoked(id),
    ]);
    if (!account) return null;
    return Object.freeze({
      id: account.id,
      organizationId: account.organizationId,
      scopes: Object.freeze(scopesOf(account)),
      disabled: account.disabledAt !== null,
      keys: new Map(keys.map((key) => [key.id, keyStateOf(key)])),
    });
  }
}

export function keyStateOf(key: ServiceAccountKey): ServiceAccountKeyState {
  return Object.freeze({
    id: key.id,
    algorithm: key.algorithm,
    publicKey: publicKeyObject(JSON.parse(key.publicJwk)),
    expiresAt: key.expiresAt.getTime(),
    revokedAt: key.revokedAt?.getTime() ?? null,
  });
}

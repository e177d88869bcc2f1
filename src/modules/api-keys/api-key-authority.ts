import { Injectable } from '@nestjs/common';
import type { CachedCredential } from '../../common/auth/principal';
import { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import { narrowScopes } from '../../common/auth/scopes';
import type { VerifiedApiKey } from '../api-keys/api-key-cache';
import { MembershipRolesCache } from '../organizations/membership-roles.cache';
import type { Role } from '../organizations/roles';
import {
  ServiceAccountsCache,
  ServiceAccountState,
} from '../service-accounts/service-accounts.cache';

/**
 * An API key as it acts now: its scopes narrowed to the current role of the user behind it (or
 * to the current scopes of its service account), so a demoted user's or narrowed account's keys
 * lose what the owner lost on the next request. Never modified but for `answer` (the verify
 * route's, CachedCredential): one is kept with the cache entry, replaced when the role (or
 * account state) it was made for changes.
 */
export interface ActingApiKey extends CachedCredential {
  readonly key: VerifiedApiKey;
  /** The user's role; null for a service account's key, which holds scopes, never a role. */
  readonly role: Role | null;
  /** The state of the service account it was made for; null for any other key. */
  readonly account: ServiceAccountState | null;
  readonly scopes: readonly string[];
}

/**
 * Whose power a key acts with, on the hot path: synchronous when the owner's role (or account)
 * is cached (the roles cache drops an entry on every role change, the accounts cache on every
 * change to the account, on every instance).
 */
@Injectable()
export class ApiKeyAuthority {
  constructor(
    private readonly roles: MembershipRolesCache,
    private readonly accounts: ServiceAccountsCache,
    private readonly catalogue: ScopeCatalogue,
  ) {}

  /**
   * null when nobody stands behind the key any more: its owner left the organization, or its
   * service account was disabled or deleted.
   */
  of(key: VerifiedApiKey): ActingApiKey | null | Promise<ActingApiKey | null> {
    const owner = key.owner;
    if (owner === null) return null;
    if (owner === 'instance_admin') return this.actingAs(key, 'admin');
    if ('serviceAccountId' in owner) {
      const cached = this.accounts.cached(owner.serviceAccountId);
      if (cached !== undefined) return this.actingFor(key, cached);
      return this.accounts
        .find(owner.serviceAccountId)
        .then((account) => this.actingFor(key, account));
    }
    const cached = this.roles.cachedRoleOf(owner.userId, key.organizationId);
    if (cached) return this.actingAs(key, cached);
    return this.roles
      .roleOf(owner.userId, key.organizationId)
      .then((role) => (role ? this.actingAs(key, role) : null));
  }

  /**
   * Kept on the entry (VerifiedApiKey.acting) rather than in a WeakMap beside the cache: a
   * WeakMap's table held ~100 bytes a cached key more, its dead entries until a full GC (issue
   * #19).
   */
  private actingAs(key: VerifiedApiKey, role: Role): ActingApiKey {
    const known = key.acting;
    if (known?.role === role) return known;
    return (key.acting = {
      key,
      role,
      account: null,
      scopes: narrowedScopes(key.scopes, this.catalogue.scopesOfRole(role)),
      answer: undefined,
    });
  }

  private actingFor(key: VerifiedApiKey, account: ServiceAccountState | null): ActingApiKey | null {
    if (!account || account.disabled || account.organizationId !== key.organizationId) return null;
    const known = key.acting;
    if (known?.account === account) return known;
    return (key.acting = {
      key,
      role: null,
      account,
      scopes: narrowedScopes(key.scopes, account.scopes),
      answer: undefined,
    });
  }
}

/** The key's own scopes (shared, not copied) when the ceiling takes none of them away. */
function narrowedScopes(granted: readonly string[], ceiling: readonly string[]): readonly string[] {
  const narrowed = narrowScopes(granted, ceiling);
  const same =
    narrowed.length === granted.length && narrowed.every((scope, i) => scope === granted[i]);
  return same ? granted : narrowed;
}

import { Injectable } from '@nestjs/common';
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
 * lose what the owner lost on the next request. Never modified: there is one per cache entry and
 * role (or account state), and the verify answer is kept per instance (ApiKeyPrincipal.credential).
 */
export interface ActingApiKey {
  readonly key: VerifiedApiKey;
  /** The user's role; null for a service account's key, which holds scopes, never a role. */
  readonly role: Role | null;
  readonly scopes: readonly string[];
}

/**
 * Whose power a key acts with, on the hot path: synchronous when the owner's role (or account)
 * is cached (the roles cache drops an entry on every role change, the accounts cache on every
 * change to the account, on every instance).
 */
@Injectable()
export class ApiKeyAuthority {
  private readonly acting = new WeakMap<VerifiedApiKey, Partial<Record<Role, ActingApiKey>>>();
  /** A service account's key as it acts under one state of the account (replaced on a change). */
  private readonly actingForAccount = new WeakMap<
    VerifiedApiKey,
    { account: ServiceAccountState; acting: ActingApiKey }
  >();

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

  private actingAs(key: VerifiedApiKey, role: Role): ActingApiKey {
    let byRole = this.acting.get(key);
    if (!byRole) this.acting.set(key, (byRole = {}));
    return (byRole[role] ??= Object.freeze({
      key,
      role,
      scopes: narrowScopes(key.scopes, this.catalogue.scopesOfRole(role)),
    }));
  }

  private actingFor(key: VerifiedApiKey, account: ServiceAccountState | null): ActingApiKey | null {
    if (!account || account.disabled || account.organizationId !== key.organizationId) return null;
    const known = this.actingForAccount.get(key);
    if (known?.account === account) return known.acting;
    const acting: ActingApiKey = Object.freeze({
      key,
      role: null,
      scopes: narrowScopes(key.scopes, account.scopes),
    });
    this.actingForAccount.set(key, { account, acting });
    return acting;
  }
}

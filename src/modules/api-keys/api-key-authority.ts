import { Injectable } from '@nestjs/common';
import { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import { narrowScopes } from '../../common/auth/scopes';
import type { VerifiedApiKey } from '../api-keys/api-key-cache';
import { MembershipRolesCache } from '../organizations/membership-roles.cache';
import type { Role } from '../organizations/roles';

/**
 * An API key as it acts now: its scopes narrowed to the current role of the user behind it, so a
 * demoted user's keys lose what the user lost on the next request. Never modified: there is one
 * per cache entry and role, and the verify answer is kept per instance (Principal.cachedCredential).
 */
export interface ActingApiKey {
  readonly key: VerifiedApiKey;
  readonly role: Role;
  readonly scopes: readonly string[];
}

/**
 * Whose power a key acts with, on the hot path: synchronous when the owner's role is cached (the
 * roles cache drops an entry on every role change, on every instance).
 */
@Injectable()
export class ApiKeyAuthority {
  private readonly acting = new WeakMap<VerifiedApiKey, Partial<Record<Role, ActingApiKey>>>();

  constructor(
    private readonly roles: MembershipRolesCache,
    private readonly catalogue: ScopeCatalogue,
  ) {}

  /** null when nobody stands behind the key any more (its owner left the organization). */
  of(key: VerifiedApiKey): ActingApiKey | null | Promise<ActingApiKey | null> {
    const owner = key.owner;
    if (owner === null) return null;
    if (owner === 'instance_admin') return this.actingAs(key, 'admin');
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
}

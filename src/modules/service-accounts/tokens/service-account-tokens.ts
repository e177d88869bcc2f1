import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  IntrospectableTokens,
  IntrospectableTokensProvider,
} from '../../oauth/endpoints/introspectable-tokens';
import { growingBound } from '../../../common/cache/growing-bound';
import { InvalidatableCache } from '../../../common/cache/invalidatable-cache';
import { narrowScopes } from '../../../common/auth/scopes';
import { Clock } from '../../../common/time/clock';
import { AccessTokensService, OAuthAccessTokenClaims } from '../../tokens/access-tokens.service';
import { ServiceAccountChanges } from '../service-account-changes';
import { isServiceAccountId } from '../service-account-ids';
import { ServiceAccountsCache, ServiceAccountState } from '../service-accounts.cache';

/** A service account's access token that verified, as the account is now. */
export interface ValidServiceAccountToken {
  token: string;
  claims: OAuthAccessTokenClaims;
  /** The token's scopes within the account's current ones. */
  scopes: readonly string[];
  /** When the key its assertion was signed with expires (ms, by the Clock that keys expire by). */
  keyExpiresAt: number;
}

/** See AccessTokenCache: the last 43 characters of the signature key the entry. */
function keyOf(token: string): string {
  return token.slice(-43);
}

/**
 * Verifies the access tokens the JWT bearer grant issues (RFC 9068, `client_id` a service
 * account's): Tessera's signature, then the account as it is now: not deleted, not disabled, in
 * the token's organization, and the key its assertion was signed with neither revoked nor
 * expired. Verified tokens are cached (60 s at most, InvalidatableCache); any change to the
 * account or its keys drops its tokens on every instance before the request that made it answers.
 */
@Injectable()
@IntrospectableTokensProvider()
export class ServiceAccountTokens implements OnModuleInit, IntrospectableTokens {
  private readonly cache = new InvalidatableCache<string, ValidServiceAccountToken>({
    ...growingBound(20_000),
    ttlAutopurge: false,
  });

  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly accounts: ServiceAccountsCache,
    private readonly changes: ServiceAccountChanges,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.changes.onChange((change) =>
      this.cache.invalidateWhere((entry) => entry.claims.sub === change.id),
    );
  }

  /** The verified token if this instance holds it, without waiting. */
  cached(token: string): ValidServiceAccountToken | undefined {
    const key = keyOf(token);
    const entry = this.cache.get(key);
    if (!entry || entry.token !== token) return undefined;
    if (entry.claims.exp * 1000 <= Date.now() || entry.keyExpiresAt <= this.clock.now()) {
      this.cache.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Introspection's question: tokens naming a service account are these. */
  issuesFor(clientId: string): boolean {
    return isServiceAccountId(clientId);
  }

  /** The token's claims and current scopes if it is valid now; null if not (for any reason). */
  async validate(token: string): Promise<ValidServiceAccountToken | null> {
    const cached = this.cached(token);
    if (cached) return cached;
    const generation = this.cache.generation();
    const claims = await this.accessTokens.verifyOAuth(token);
    if (!claims || !isServiceAccountId(claims.client_id) || claims.sub !== claims.client_id) {
      return null;
    }
    const account = await this.accounts.find(claims.client_id);
    const keyExpires = account && usableKeyExpiry(account, claims, this.clock.now());
    if (!account || !keyExpires || account.disabled) return null;
    const valid: ValidServiceAccountToken = {
      token,
      claims,
      scopes: narrowScopes(claims.scope.split(' ').filter(Boolean), account.scopes),
      keyExpiresAt: keyExpires,
    };
    const ttl = claims.exp * 1000 - Date.now();
    if (ttl > 0) this.cache.setIfCurrent(keyOf(token), valid, generation, { ttl });
    return valid;
  }
}

/** When the token's key expires, if the token belongs to the account and the key is usable now. */
function usableKeyExpiry(
  account: ServiceAccountState,
  claims: OAuthAccessTokenClaims,
  now: number,
): number | null {
  if (account.organizationId !== claims.org_id || claims.key_id === undefined) return null;
  const key = account.keys.get(claims.key_id);
  return key && key.expiresAt > now ? key.expiresAt : null;
}

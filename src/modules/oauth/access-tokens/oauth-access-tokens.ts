import { Injectable, OnModuleInit } from '@nestjs/common';
import { growingBound } from '../../../common/cache/growing-bound';
import { InvalidatableCache } from '../../../common/cache/invalidatable-cache';
import { CacheInvalidationBus } from '../../../common/cluster/cache-invalidation.bus';
import { AccessTokenDenylist } from '../../auth/sessions/access-token-denylist';
import { AccessTokensService, OAuthAccessTokenClaims } from '../../tokens/access-tokens.service';
import { narrowScopes } from '../../../common/auth/scopes';
import { scopesOf } from '../clients/oauth-client-fields';
import { OAuthClientChanges } from '../clients/oauth-client-changes';
import { scopeList } from '../oauth-scopes';
import { OAuthClientsCache } from '../clients/oauth-clients.cache';
import { OAuthGrantsCache } from '../grants/oauth-grants.cache';
import type { OAuthClient } from '../storage/oauth-client.entity';

/** An OAuth access token that verified, with the client it was issued to as it is now. */
export interface ValidOAuthToken {
  token: string;
  claims: OAuthAccessTokenClaims;
  client: OAuthClient;
  /** The token's scopes within what the client is registered for now (changes invalidate). */
  scopes: readonly string[];
}

/** See AccessTokenCache: the last 43 characters of the signature key the entry. */
function keyOf(token: string): string {
  return token.slice(-43);
}

/**
 * Verifies OAuth access tokens (RFC 9068) for the access guard and for introspection: signature
 * by `kid`, `typ: at+jwt`, issuer, audience, expiry; then not revoked (jti denylist), its
 * client still registered (a client's own token in the client's organization), and for a token a
 * user delegated, its grant not ended and in the token's organization (OAuthGrantsCache). Verified tokens are cached until they
 * expire (60 s at most, InvalidatableCache); revoking a token, deleting a client or ending a
 * grant drops the entries on every instance before the request that did it answers.
 */
@Injectable()
export class OAuthAccessTokens implements OnModuleInit {
  private readonly cache = new InvalidatableCache<string, ValidOAuthToken>({
    ...growingBound(20_000),
    ttlAutopurge: false,
  });

  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly denylist: AccessTokenDenylist,
    private readonly clients: OAuthClientsCache,
    private readonly grants: OAuthGrantsCache,
    private readonly bus: CacheInvalidationBus,
    private readonly clientChanges: OAuthClientChanges,
  ) {}

  onModuleInit(): void {
    this.clientChanges.onChange((change) =>
      this.cache.invalidateWhere((entry) => entry.claims.client_id === change.id),
    );
    this.bus.on('oauth_grant', (event) => {
      if (event.kind === 'oauth_grant')
        this.cache.invalidateWhere((entry) => entry.claims.gid === event.id);
    });
    this.bus.on('access_token', (event) => {
      if (event.kind === 'access_token')
        this.cache.invalidateWhere((entry) => entry.claims.jti === event.jti);
    });
  }

  /** The verified token if this instance holds it, without waiting. */
  cached(token: string): ValidOAuthToken | undefined {
    const key = keyOf(token);
    const entry = this.cache.get(key);
    if (!entry || entry.token !== token) return undefined;
    if (entry.claims.exp * 1000 <= Date.now()) {
      this.cache.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The token's claims and client if it is valid now; null if not (for any reason). */
  async validate(token: string): Promise<ValidOAuthToken | null> {
    const cached = this.cached(token);
    if (cached) return cached;
    const generation = this.cache.generation();
    const claims = await this.verifySignature(token);
    if (!claims) return null;
    const [client, denylisted, grantHolds] = await Promise.all([
      this.clients.find(claims.client_id),
      this.denylist.has(claims.jti),
      this.grantHolds(claims),
    ]);
    if (!client || !actsWhereAllowed(claims, client) || denylisted || !grantHolds) {
      return null;
    }
    const scopes = narrowScopes(scopeList(claims.scope), scopesOf(client));
    const valid: ValidOAuthToken = { token, claims, client, scopes };
    const ttl = claims.exp * 1000 - Date.now();
    if (ttl > 0) this.cache.setIfCurrent(keyOf(token), valid, generation, { ttl });
    return valid;
  }

  /**
   * A token a user delegated (`gid`) holds while its grant does: the same client, user and
   * organization. Ending the grant drops the token from this cache on every instance.
   */
  private async grantHolds(claims: OAuthAccessTokenClaims): Promise<boolean> {
    if (claims.gid === undefined) return true;
    const grant = await this.grants.find(claims.gid);
    return (
      grant !== null &&
      grant.clientId === claims.client_id &&
      grant.userId === claims.sub &&
      grant.organizationId === claims.org_id
    );
  }

  /**
   * Revokes one access token (RFC 7009) until it would have expired anyway, on every instance.
   */
  async revoke(claims: OAuthAccessTokenClaims): Promise<void> {
    await this.denylist.add(claims.jti, new Date(claims.exp * 1000));
    await this.bus.publish({ kind: 'access_token', jti: claims.jti });
  }

  /**
   * The claims of a token Tessera signed and that has not expired; null for anything else
   * (AccessTokensService.verifyOAuth: signature, `typ`, issuer, audience, expiry).
   */
  verifySignature(token: string): Promise<OAuthAccessTokenClaims | null> {
    return this.accessTokens.verifyOAuth(token);
  }
}

/**
 * A client's own token (client_credentials) acts in the client's organization. A token a user
 * delegated acts in its grant's, which the user chose on the consent page among their own
 * organizations (the client's, or another: the user's role there caps it); `grantHolds` checks
 * the token's organization is the grant's.
 */
function actsWhereAllowed(claims: OAuthAccessTokenClaims, client: OAuthClient): boolean {
  return claims.gid !== undefined || client.organizationId === claims.org_id;
}

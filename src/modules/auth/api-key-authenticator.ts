import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { requestedOrganizationId } from '../../common/auth/credential';
import type { Principal } from '../../common/auth/principal';
import { ForbiddenError, UnauthorizedError } from '../../common/errors/api-errors';
import { InjectThrottlerStorage } from '@nestjs/throttler';
import { FailureLock } from '../rate-limits/failure-lock';
import { ResilientThrottlerStorage } from '../rate-limits/resilient-throttler.storage';
import { compileAllowlist } from '../../common/http/ip-allowlist';
import { clientNetworkOf } from '../../common/http/client-network';
import { originOf } from '../../common/http/request-origin';
import { EnvironmentVariables } from '../../config/env.schema';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { ApiKeyCache, VerifiedApiKey } from '../api-keys/api-key-cache';
import { parseApiKey } from '../api-keys/api-key-format';
import { ApiKeyUsageRecorder } from '../api-keys/api-key-usage.recorder';
import { ApiKey } from '../api-keys/api-key.entity';
import { allowedIpsOf, scopesOf } from '../api-keys/api-keys.mapper';
import { ApiKeyStrategy, PRESENTED_API_KEY_HEADER } from './strategies/api-key.strategy';
import { runStrategy } from './strategies/run-strategy';
import { clientAddressOf } from '../../common/http/client-address';

/**
 * Request-time verification of an API key. Hot path, in order: in-memory cache by hash; on a miss
 * the checksum (offline, rejects typos and guesses with no look-up), then the Passport strategy
 * and the database; then the checks: revoked, expired, IP allowed, organization.
 * Each outcome is counted in the key's usage in memory.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly prefix: string;
  /** null when rate limits are switched off. */
  private readonly lookUpsPerMinute: number | null;
  /** Client IPs whose uncached keys are refused for the rest of the minute. */
  private readonly unknownLookUps: FailureLock;

  constructor(
    private readonly cache: ApiKeyCache,
    private readonly usage: ApiKeyUsageRecorder,
    private readonly strategy: ApiKeyStrategy,
    private readonly audit: AuditService,
    @InjectThrottlerStorage() storage: ResilientThrottlerStorage,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.prefix = config.get('TESSERA_KEY_PREFIX', { infer: true });
    this.unknownLookUps = new FailureLock(storage, 'api-key-lookups', 60_000);
    this.lookUpsPerMinute = config.get('RATE_LIMITS_ENABLED', { infer: true })
      ? config.get('PUBLIC_RATE_LIMIT_PER_MINUTE', { infer: true })
      : null;
  }

  /**
   * Synchronous for a cached key (no promise on the hot path); a promise on a cache miss. Only
   * keys that passed the checksum are ever cached, so a hit needs no second checksum; on a miss
   * the checksum turns typos and made-up keys away before the database is asked.
   */
  authenticate(presented: string, request: FastifyRequest): Principal | Promise<Principal> {
    const cacheKey = ApiKeyCache.keyOf(presented);
    const cached = this.cache.get(cacheKey);
    if (cached === undefined) {
      if (!parseApiKey(presented, this.prefix)) throw new UnauthorizedError();
      return this.lookUp(presented, cacheKey, request).then((key) => this.admit(key, request));
    }
    if (ApiKeyCache.isUnknown(cached)) throw new UnauthorizedError();
    return this.admit(cached, request);
  }

  /** The checks every request makes, on a cached or a freshly loaded key. */
  private admit(key: VerifiedApiKey, request: FastifyRequest): Principal {
    const now = Date.now();
    const ip = clientAddressOf(request);
    let refusal: string | null = null;
    if (key.revokedAt !== null && key.revokedAt <= now) refusal = 'API key revoked';
    else if (key.expiresAt !== null && key.expiresAt <= now) refusal = 'API key expired';
    else if (!key.allowlist.allows(ip)) refusal = 'IP address not allowed';
    if (refusal) {
      this.refuse(key, refusal, request);
      throw new UnauthorizedError(refusal, 'api_key_refused');
    }
    const requested = requestedOrganizationId(request);
    if (requested && requested !== key.organizationId) {
      this.refuse(key, 'organization mismatch', request);
      throw new ForbiddenError(
        'API key does not belong to this organization',
        'organization_mismatch',
      );
    }
    this.usage.record(key.id, key.organizationId, ip, true);
    return {
      type: 'api_key',
      subject: key.id,
      organizationId: key.organizationId,
      scopes: key.scopes,
      role: null,
      environment: key.environment,
      expiresAt: key.expiresAt === null ? null : new Date(key.expiresAt),
      sessionId: null,
      tokenId: null,
      mfa: false,
      rateLimitPerHour: key.rateLimitPerHour,
      cachedCredential: key,
    };
  }

  /** Counted in usage every time; in the audit log sampled, so a flood cannot flood it. */
  private refuse(key: VerifiedApiKey, reason: string, request: FastifyRequest): void {
    this.usage.record(key.id, key.organizationId, clientAddressOf(request), false);
    this.audit.recordSampled(`api-key-refused:${key.id}:${reason}`, AUDIT_ACTIONS.apiKeyRefused, {
      organizationId: key.organizationId,
      actor: { type: 'api_key', id: key.id },
      origin: originOf(request),
      target: { type: 'api_key', id: key.id },
      outcome: 'failure',
      metadata: { reason },
    });
  }

  /**
   * The checksum is public, so anyone can mint well-formed keys that no cache has seen: each
   * would cost a query. Look-ups that find no key are failures counted per client IP; past the
   * per-IP limit of unauthenticated routes, that IP's uncached keys are refused before the
   * database is asked until the window ends. Look-ups of real keys are not counted: a service
   * behind one address with many keys, or many connections refilling the cache at once, must
   * never lock itself out.
   */
  private async countUnknownLookUp(ip: string): Promise<void> {
    if (this.lookUpsPerMinute !== null)
      await this.unknownLookUps.countFailure(clientNetworkOf(ip), this.lookUpsPerMinute);
  }

  /**
   * A cache miss. Concurrent misses of one key share a single look-up (the cache's `loadOnce`):
   * when a popular key's entry expires, the requests in flight for it do not each query the
   * database. An IP locked out for made-up keys is refused before any look-up starts.
   */
  private lookUp(
    presented: string,
    cacheKey: string,
    request: FastifyRequest,
  ): Promise<VerifiedApiKey> {
    return this.cache.lookUpOnce(cacheKey, (generation) => {
      this.unknownLookUps.assertOpen(clientNetworkOf(clientAddressOf(request)));
      return this.fill(presented, cacheKey, request, generation);
    });
  }

  /** The Passport strategy looks the key up in the database. */
  private async fill(
    presented: string,
    cacheKey: string,
    request: FastifyRequest,
    generation: number,
  ): Promise<VerifiedApiKey> {
    request.headers[PRESENTED_API_KEY_HEADER] = presented;
    let row: ApiKey | false;
    try {
      row = await runStrategy<ApiKey>(this.strategy, request);
    } finally {
      delete request.headers[PRESENTED_API_KEY_HEADER];
    }
    if (!row) {
      this.cache.rememberUnknown(cacheKey, generation);
      await this.countUnknownLookUp(clientAddressOf(request));
      throw new UnauthorizedError();
    }
    const verified: VerifiedApiKey = {
      id: row.id,
      organizationId: row.organizationId,
      scopes: scopesOf(row),
      environment: row.environment,
      expiresAt: row.expiresAt?.getTime() ?? null,
      revokedAt: row.revokedAt?.getTime() ?? null,
      rateLimitPerHour: row.rateLimitPerHour,
      allowlist: compileAllowlist(allowedIpsOf(row)),
    };
    this.cache.remember(cacheKey, verified, generation);
    return verified;
  }
}

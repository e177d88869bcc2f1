import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectThrottlerStorage } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { requestedOrganizationId } from '../../common/auth/credential';
import {
  CredentialVerifier,
  CredentialVerifierProvider,
} from '../../common/auth/credential-verifier';
import type { ApiKeyPrincipal, SpentCredit } from '../../common/auth/principal';
import { presenting, verifiedBy } from '../../common/auth/run-strategy';
import {
  ForbiddenError,
  INVALID_CREDENTIAL,
  UnauthorizedError,
} from '../../common/errors/api-errors';
import { itself, SharedValues } from '../../common/cache/shared-values';
import { clientAddressOf } from '../../common/http/client-address';
import { clientNetworkOf } from '../../common/http/client-network';
import { compileAllowlist } from '../../common/http/ip-allowlist';
import { originOf } from '../../common/http/request-origin';
import { EnvironmentVariables } from '../../config/env.schema';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditRecorder } from '../audit/audit-recorder.service';
import { FailureLock } from '../rate-limits/failure-lock';
import { ResilientThrottlerStorage } from '../rate-limits/resilient-throttler.storage';
import { ActingApiKey, ApiKeyAuthority } from './api-key-authority';
import { ApiKeyCache, VerifiedApiKey } from './api-key-cache';
import { KeyEnvironment, looksLikeApiKey, parseApiKey } from './api-key-format';
import { apiKeyPrincipal } from './api-key-principal';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import type { VerifiableApiKey } from './api-keys.repository';
import { allowedIpsOf, ownerOf, scopesOf } from './api-keys.mapper';
import { ApiKeyCredits } from './credits/api-key-credits';
import { keyCreditsOf } from './credits/key-credits';

/** How many look-ups a minute, as a multiple of the per-IP limit, a guessing network keeps. */
const SUSPECT_LOOKUP_FACTOR = 20;

/**
 * Request-time verification of an API key (`<prefix>_<env>_...`). Hot path, in order: in-memory
 * cache by hash; on a miss the checksum (offline, rejects typos and guesses with no look-up),
 * then the Passport strategy and the database; then the checks: revoked, expired, IP allowed,
 * organization, and the role of the user (or the state of the service account) the key acts for;
 * last, for a key with usage credits, one credit (429 when none is left, before the rate limits
 * count the request; given back when they or the route's scopes refuse it after all). A key
 * without credits never reaches that step. Each outcome is counted in the key's usage in memory;
 * a request the server then fails to answer (5xx) moves to `failed`.
 */
@Injectable()
@CredentialVerifierProvider({ order: 10 })
export class ApiKeyVerifier implements CredentialVerifier<ApiKeyPrincipal> {
  readonly principalType = 'api_key';
  private readonly prefix: string;
  /** null when rate limits are switched off. */
  private readonly lookUpsPerMinute: number | null;
  private readonly sharedTexts = new SharedValues<string>();
  private readonly sharedScopes = new SharedValues<readonly string[]>();
  private readonly sharedOwners = new SharedValues<VerifiedApiKey['owner']>();
  /** Client networks that looked up too many keys that do not exist this minute. */
  private readonly unknownLookUps: FailureLock;
  /** Every look-up of such a network, up to a far higher ceiling, so its real keys still work. */
  private readonly suspectLookUps: FailureLock;

  constructor(
    private readonly cache: ApiKeyCache,
    private readonly usage: ApiKeyUsageRecorder,
    private readonly strategy: ApiKeyStrategy,
    private readonly audit: AuditRecorder,
    private readonly authority: ApiKeyAuthority,
    private readonly credits: ApiKeyCredits,
    @InjectThrottlerStorage() storage: ResilientThrottlerStorage,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.prefix = config.get('TESSERA_KEY_PREFIX', { infer: true });
    this.unknownLookUps = new FailureLock(storage, 'api-key-lookups', 60_000);
    this.suspectLookUps = new FailureLock(storage, 'api-key-suspect-lookups', 60_000);
    this.lookUpsPerMinute = config.get('RATE_LIMITS_ENABLED', { infer: true })
      ? config.get('PUBLIC_RATE_LIMIT_PER_MINUTE', { infer: true })
      : null;
  }

  recognizes(credential: string): boolean {
    return looksLikeApiKey(credential, this.prefix);
  }

  /** A key belongs to exactly one organization: it has no access in any other. */
  inOrganization(): Promise<null> {
    return Promise.resolve(null);
  }

  /**
   * Synchronous for a cached key (no promise on the hot path); a promise on a cache miss. Only
   * keys that passed the checksum are ever cached, so a hit needs no second checksum; on a miss
   * the checksum turns typos and made-up keys away before the database is asked.
   */
  verify(presented: string, request: FastifyRequest): ApiKeyPrincipal | Promise<ApiKeyPrincipal> {
    const cacheKey = ApiKeyCache.keyOf(presented);
    const cached = this.cache.get(cacheKey);
    if (cached === undefined) {
      if (!parseApiKey(presented, this.prefix)) throw INVALID_CREDENTIAL;
      return this.lookUp(presented, cacheKey, request).then((key) => this.admit(key, request));
    }
    if (ApiKeyCache.isUnknown(cached)) throw INVALID_CREDENTIAL;
    return this.admit(cached, request);
  }

  /** The checks every request makes, on a cached or a freshly loaded key. */
  private admit(
    key: VerifiedApiKey,
    request: FastifyRequest,
  ): ApiKeyPrincipal | Promise<ApiKeyPrincipal> {
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
    const acting = this.authority.of(key);
    return acting instanceof Promise
      ? acting.then(
          (resolved) => this.principalOf(key, resolved, request, ip),
          (error: unknown) => {
            // The owner's role could not be read (the database): a 5xx for a known key.
            this.usage.recordFailed(key.id, key.organizationId);
            throw error;
          },
        )
      : this.principalOf(key, acting, request, ip);
  }

  /**
   * Counted as served when verified; the server then failed to answer it (5xx): moved to
   * `failed`, and its credit given back.
   */
  failedToServe(principal: ApiKeyPrincipal, startedAt: number): void {
    this.usage.reclassifyAsFailed(principal.subject, principal.organizationId, startedAt);
    if (principal.credits !== null) this.credits.refund(principal.credits);
  }

  /** Refused after all (rate limit, scope): the request's credit goes back. */
  notAdmitted(principal: ApiKeyPrincipal): void {
    if (principal.credits !== null) this.credits.refund(principal.credits);
  }

  /**
   * The key as it acts now, or a refusal when nobody stands behind it any more. A key without
   * credits is answered here, synchronously; one with credits spends one first.
   */
  private principalOf(
    key: VerifiedApiKey,
    acting: ActingApiKey | null,
    request: FastifyRequest,
    ip: string,
  ): ApiKeyPrincipal | Promise<ApiKeyPrincipal> {
    if (acting === null) {
      const reason =
        key.owner !== null && typeof key.owner === 'object' && 'serviceAccountId' in key.owner
          ? 'The service account of this API key is disabled or deleted'
          : 'API key owner is no longer a member of the organization';
      this.refuse(key, reason, request);
      throw new UnauthorizedError(reason, 'api_key_refused');
    }
    if (key.credits === null) {
      this.usage.record(key.id, key.organizationId, ip, true);
      return apiKeyPrincipal(acting, null);
    }
    const spent = this.credits.spend(key.credits);
    return spent instanceof Promise
      ? spent.then(
          (resolved) => this.withCredit(key, acting, resolved, ip),
          (error: unknown) => {
            // Redis out of reach (503): a 5xx for a known key.
            this.usage.recordFailed(key.id, key.organizationId);
            throw error;
          },
        )
      : this.withCredit(key, acting, spent, ip);
  }

  /** Let through with the credit it spent, or 429 when none was left (counted as rejected). */
  private withCredit(
    key: VerifiedApiKey,
    acting: ActingApiKey,
    spent: SpentCredit | null,
    ip: string,
  ): ApiKeyPrincipal {
    this.usage.record(key.id, key.organizationId, ip, spent !== null);
    if (spent === null) throw this.credits.refusal(key.credits!);
    return apiKeyPrincipal(acting, spent);
  }

  /** Counted in usage every time; in the audit log sampled, so a flood cannot flood it. */
  private refuse(key: VerifiedApiKey, reason: string, request: FastifyRequest): void {
    this.usage.record(key.id, key.organizationId, clientAddressOf(request), false);
    this.audit.recordSampled(
      `api-key-refused:${key.id}:${reason}`,
      AUDIT_ACTIONS.apiKeyRefused,
      () => ({
        organizationId: key.organizationId,
        actor: { type: 'api_key', id: key.id },
        origin: originOf(request),
        target: { type: 'api_key', id: key.id },
        outcome: 'failure',
        metadata: { reason },
      }),
    );
  }

  /**
   * The checksum is public, so anyone can mint well-formed keys that no cache has seen: each
   * costs a query. Look-ups that find no key are counted per client network; past the per-IP
   * limit of unauthenticated routes its made-up keys get 429, and every look-up it makes is
   * counted too, up to SUSPECT_LOOKUP_FACTOR times that limit, past which its uncached keys are
   * refused before the database is asked until the window ends. Real keys are looked up
   * throughout: many services behind one NAT must not lose their keys to one guesser among
   * them, and a network that never guesses is never counted at all.
   */
  private lookUp(
    presented: string,
    cacheKey: string,
    request: FastifyRequest,
  ): Promise<VerifiedApiKey> {
    // Decided before any look-up is begun or shared: a locked network's flood of made-up keys
    // is refused synchronously, without a promise per key (issue #21).
    const network = clientNetworkOf(clientAddressOf(request));
    const suspect = this.lookUpsPerMinute !== null && this.unknownLookUps.isLocked(network);
    if (suspect) this.suspectLookUps.assertOpen(network);
    return this.cache.lookUpOnce(cacheKey, async (generation) => {
      const found = await this.fill(presented, cacheKey, generation, request);
      if (suspect) {
        await this.suspectLookUps.countFailure(
          network,
          this.lookUpsPerMinute! * SUSPECT_LOOKUP_FACTOR,
        );
      }
      if (found) return found;
      if (this.lookUpsPerMinute !== null) {
        await this.unknownLookUps.countFailure(network, this.lookUpsPerMinute);
      }
      if (suspect) this.unknownLookUps.assertOpen(network);
      throw INVALID_CREDENTIAL;
    });
  }

  /** The Passport strategy looks the key up in the database. */
  private async fill(
    presented: string,
    cacheKey: string,
    generation: number,
    request: FastifyRequest,
  ): Promise<VerifiedApiKey | null> {
    const row = await verifiedBy<VerifiableApiKey>(this.strategy, presenting(request, presented));
    if (!row) {
      this.cache.rememberUnknown(cacheKey, generation);
      return null;
    }
    const verified = this.verifiedOf(row);
    this.cache.remember(cacheKey, verified, generation);
    return verified;
  }

  /** A row as the cache keeps it: what keys have in common (organization, scopes, owner) shared. */
  private verifiedOf(row: VerifiableApiKey): VerifiedApiKey {
    return {
      id: row.id,
      organizationId: this.sharedTexts.of(row.organizationId, itself),
      scopes: this.sharedScopes.of(row.scopes, (scopes) => Object.freeze(scopesOf({ scopes }))),
      environment: this.sharedTexts.of(row.environment, itself) as KeyEnvironment,
      expiresAt: row.expiresAt?.getTime() ?? null,
      revokedAt: row.revokedAt?.getTime() ?? null,
      rateLimitPerHour: row.rateLimitPerHour,
      allowlist: compileAllowlist(allowedIpsOf(row)),
      owner: this.sharedOwners.of(`${row.actsFor}|${row.serviceAccountId}`, () =>
        Object.freeze(ownerOf(row)),
      ),
      credits: keyCreditsOf(row),
      // Declared here, so setting it later keeps the entry's shape (no property store added).
      acting: undefined,
    };
  }
}

import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { actingOrganizationId, principalHasPermission } from '../../common/auth/authorization';
import { Principal, unhandledPrincipal } from '../../common/auth/principal';
import { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import { Clock } from '../../common/time/clock';
import { hasScope, isSubsetOf } from '../../common/auth/scopes';
import {
  BadRequestError,
  ForbiddenError,
  MissingPermissionError,
  NotFoundError,
  RequestValidationError,
} from '../../common/errors/api-errors';
import { DEFAULT_PAGE_SIZE, ListPage, toPage } from '../../common/http/pagination';
import { EnvironmentVariables } from '../../config/env.schema';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditRecorder } from '../audit/audit-recorder.service';
import { ServiceAccountDependents } from '../service-accounts/service-account-dependents';
import { ServiceAccountsCache } from '../service-accounts/service-accounts.cache';
import { ServiceAccountPermissions } from '../service-accounts/service-accounts.permissions';
import { CredentialMinting, refuseDelegated } from '../users/credential-minting';
import { ApiKeyCache } from './api-key-cache';
import { ApiKeyPepper } from './api-key-pepper';
import { ApiKey } from './api-key.entity';
import {
  actsForOf,
  allowedIpsOf,
  ownerOf,
  scopesOf,
  storedBalanceOf,
  toApiKeyDto,
} from './api-keys.mapper';
import { ApiKeysRepository, CreditsColumns } from './api-keys.repository';
import { ApiKeyDto, ApiKeyListQueryDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { newApiKey, NewApiKeySettings } from './new-api-key';
import {
  alreadyRotated,
  assertCallerCovers,
  assertRotatable,
  expiryOf,
  isOwnKey,
  normalizeAllowedIps,
  requestedScopes,
  validScopes,
} from './api-key-rules';
import { UpdateApiKeyDto } from './dto/update-api-key.dto';
import { ApiKeyCredits, CreditBalance } from './credits/api-key-credits';
import type { CreditRefillDto } from './dto/fields';
import { refuseCreditLimited } from '../../common/auth/credit-limited';

type ApiKeyPatch = Partial<Pick<ApiKey, 'name' | 'rateLimitPerHour' | 'allowedIps' | 'scopes'>>;

/**
 * What a PATCH does to a key's credits: a new balance every counter starts from (`credits`), or
 * the balance counting now kept under a new refill (`keepWithRefill`).
 */
type CreditsChange = { fields: ('remaining' | 'refill')[] } & (
  { credits: CreditsColumns } | { keepWithRefill: CreditRefillDto | null }
);

/** The contract's name of each field a PATCH may change. */
const UPDATABLE_FIELDS = {
  name: 'name',
  rateLimitPerHour: 'rate_limit_per_hour',
  allowedIps: 'allowed_ips',
  scopes: 'scopes',
} as const satisfies Record<keyof ApiKeyPatch, keyof ApiKeyDto>;

const DEFAULT_RATE_LIMIT_PER_HOUR = 1000;
const DEFAULT_GRACE_PERIOD_HOURS = 24;
const HOUR_MS = 3_600_000;

/**
 * Issuing and managing API keys. The rules: a caller never mints a key wider than its own scopes;
 * a user who enrolled MFA must have passed it to create, rotate or revoke; every change drops the
 * key from the verification cache so it takes effect on the very next request.
 */
@Injectable()
export class ApiKeysService implements OnModuleInit {
  private readonly prefix: string;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly cache: ApiKeyCache,
    private readonly pepper: ApiKeyPepper,
    private readonly catalogue: ScopeCatalogue,
    private readonly minting: CredentialMinting,
    private readonly accounts: ServiceAccountsCache,
    private readonly dependents: ServiceAccountDependents,
    private readonly audit: AuditRecorder,
    private readonly credits: ApiKeyCredits,
    private readonly clock: Clock,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.prefix = config.get('TESSERA_KEY_PREFIX', { infer: true });
  }

  onModuleInit(): void {
    // A service account's keys die with it.
    this.dependents.register('api_keys', (account, at) =>
      this.keys.revokeAllOfServiceAccount(account.organizationId, account.id, at),
    );
  }

  async create(caller: Principal, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const organizationId = actingOrganizationId(caller);
    await this.minting.assertMayMint(caller, 'create API keys');
    const scopes = requestedScopes(dto, this.catalogue);
    assertCallerCovers(caller, scopes);
    const owner = await this.ownerOfNewKey(caller, organizationId, scopes, dto.service_account_id);
    const now = Date.now();
    const created = await this.issue(caller, organizationId, {
      name: dto.name,
      environment: dto.environment ?? 'live',
      scopes,
      rateLimitPerHour: dto.rate_limit_per_hour ?? DEFAULT_RATE_LIMIT_PER_HOUR,
      allowedIps: normalizeAllowedIps(dto.allowed_ips ?? []),
      expiresAt: expiryOf(dto, now),
      serviceAccountId: owner.serviceAccountId,
      rotatedFrom: null,
      actsFor: owner.actsFor,
      ...creditsOfNewKey(dto.remaining ?? null, dto.refill ?? null, this.clock.now()),
      creditsVersion: 0,
      creditsId: null,
    });
    this.audit.record(AUDIT_ACTIONS.apiKeyCreated, {
      organizationId,
      by: caller,
      target: { type: 'api_key', id: created.id },
      metadata: {
        name: created.name,
        start: created.start,
        environment: created.environment,
        scopes: created.scopes,
        service_account_id: created.service_account_id,
      },
    });
    return created;
  }

  async list(caller: Principal, query: ApiKeyListQueryDto): Promise<ListPage<ApiKeyDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.keys.list(actingOrganizationId(caller), {
      limit,
      startingAfter: query.starting_after,
      environment: query.environment,
      status: query.status,
      serviceAccountId: query.service_account_id,
    });
    const page = rows.slice(0, limit);
    const balances = await this.credits.balances(page);
    const balanceOf = new Map(page.map((row, i) => [row.id, balances[i]]));
    return toPage(rows, limit, (row) => toApiKeyDto(row, balanceOf.get(row.id) ?? null));
  }

  async get(caller: Principal, id: string): Promise<ApiKeyDto> {
    const key = await this.require(caller, id);
    return toApiKeyDto(key, await this.balanceOf(key));
  }

  /** The key's credits as they stand now: the live count, refilled when due. */
  private async balanceOf(key: ApiKey): Promise<CreditBalance | null> {
    const [balance] = await this.credits.balances([key]);
    return balance;
  }

  async update(caller: Principal, id: string, dto: UpdateApiKeyDto): Promise<ApiKeyDto> {
    const key = await this.require(caller, id);
    // Lifting a restriction (addresses, rate limit) is as strong as minting the key.
    assertCallerCovers(caller, scopesOf(key));
    assertMayManageAccountKey(caller, key);
    const patch = this.changesOf(key, dto);
    const credits = this.creditsChangeOf(caller, key, dto);
    const changed = Object.keys(patch) as (keyof typeof patch)[];
    if (changed.length === 0 && credits === null) return this.get(caller, id);
    if (changed.length > 0) await this.keys.update(key.organizationId, key.id, patch);
    const stored = credits === null ? null : await this.setCredits(key, credits);
    await this.cache.forget(key.id);
    const after = toApiKeyDto({ ...key, ...patch, ...stored });
    const fields = [...changed.map((field) => UPDATABLE_FIELDS[field]), ...(credits?.fields ?? [])];
    this.audit.record(AUDIT_ACTIONS.apiKeyUpdated, {
      organizationId: key.organizationId,
      by: caller,
      target: { type: 'api_key', id: key.id },
      metadata: {
        changed: fields,
        ...Object.fromEntries(fields.map((field) => [field, after[field]])),
      },
    });
    return this.get(caller, id);
  }

  /**
   * What a PATCH does to the key's credits, or null for nothing. A key never sets its own (nor
   * those of the key it shares them with): whoever sells credits is not whoever spends them.
   */
  private creditsChangeOf(
    caller: Principal,
    key: ApiKey,
    dto: UpdateApiKeyDto,
  ): CreditsChange | null {
    if (dto.remaining === undefined && dto.refill === undefined) return null;
    const counterId = key.creditsId ?? key.id;
    if (caller.type === 'api_key') {
      const own = caller.credits?.counterId;
      if (caller.subject === counterId || caller.subject === key.id || own === counterId) {
        throw new ForbiddenError('An API key cannot change its own credits', 'own_credits');
      }
      refuseCreditLimited(caller, 'change credits');
    }
    const now = this.clock.now();
    if (dto.remaining === null) {
      if (dto.refill) throw refillWithoutBalance();
      if (key.remaining === null) return null;
      return {
        credits: creditsOfNewKey(null, null, now),
        fields: ['remaining', ...(key.refillInterval === null ? [] : ['refill' as const])],
      };
    }
    if (key.remaining === null && dto.remaining === undefined && dto.refill === null) return null;
    if (dto.remaining !== undefined || key.remaining === null) {
      // A new balance: the one given, or (a refill on an unlimited key) the refill's amount.
      const refill = dto.refill === undefined ? refillDtoOf(key) : dto.refill;
      return {
        credits: creditsOfNewKey(dto.remaining ?? null, refill, now),
        fields: dto.refill === undefined ? ['remaining'] : ['remaining', 'refill'],
      };
    }
    // The refill alone: the balance counting now is kept (setCredits), so the new rule's first
    // refill comes at the start of its next period, not at the next spend for a period that
    // began before the change. An unchanged refill changes nothing.
    const refill = creditsOfNewKey(0, dto.refill!, now);
    if (
      refill.refillInterval === key.refillInterval &&
      refill.refillAmount === key.refillAmount &&
      refill.refillDay === key.refillDay
    ) {
      return null;
    }
    return { keepWithRefill: dto.refill!, fields: ['refill'] };
  }

  /**
   * Stores the credits on every key sharing them (a rotation's pair) as a new balance, the
   * balance's row locked meanwhile; each of those keys leaves every cache. A new refill alone
   * carries the balance counting now over into the new version in one step (no spend made
   * meanwhile is given back; one refunded after it is not). Answers the credits stored.
   */
  private async setCredits(key: ApiKey, change: CreditsChange): Promise<CreditsColumns> {
    const counterId = key.creditsId ?? key.id;
    const now = this.clock.now();
    const { version, credits, ids } = await this.keys.setCredits(
      key.organizationId,
      counterId,
      async (stored, newVersion) => {
        if ('credits' in change) return change.credits;
        // Made unlimited meanwhile: a refill starts it at its amount, as on any unlimited key.
        if (stored.remaining === null) return creditsOfNewKey(null, change.keepWithRefill, now);
        const kept = await this.credits.carryOver(stored, newVersion, now);
        return creditsOfNewKey(kept, change.keepWithRefill, now);
      },
    );
    // A carried balance is counting already: the same version's reset leaves it as it is.
    if (credits.remaining !== null) {
      await this.credits.reset(
        counterId,
        version,
        credits.remaining,
        credits.lastRefillAt!.getTime(),
      );
    }
    for (const id of ids) if (id !== key.id) await this.cache.forget(id);
    return credits;
  }

  /** The fields of a PATCH that differ from the key, in their stored form. */
  private changesOf(key: ApiKey, dto: UpdateApiKeyDto): ApiKeyPatch {
    const patch: ApiKeyPatch = {};
    if (dto.name !== undefined && dto.name !== key.name) patch.name = dto.name;
    if (dto.rate_limit_per_hour !== undefined && dto.rate_limit_per_hour !== key.rateLimitPerHour)
      patch.rateLimitPerHour = dto.rate_limit_per_hour;
    if (dto.allowed_ips !== undefined) {
      const allowedIps = JSON.stringify(normalizeAllowedIps(dto.allowed_ips));
      if (allowedIps !== key.allowedIps) patch.allowedIps = allowedIps;
    }
    if (dto.scopes !== undefined) {
      const scopes = validScopes(dto.scopes, this.catalogue);
      if (!isSubsetOf(scopes, scopesOf(key))) {
        throw new ForbiddenError(
          'Scopes can only be narrowed; create a new key for wider access',
          'scope_escalation',
        );
      }
      if (scopes.join(' ') !== key.scopes) patch.scopes = scopes.join(' ');
    }
    return patch;
  }

  async revoke(caller: Principal, id: string): Promise<void> {
    const key = await this.require(caller, id);
    // Anyone may end their own key; another's only if they could have minted it.
    if (!isOwnKey(caller, key)) assertCallerCovers(caller, scopesOf(key));
    await this.minting.assertMfaIfEnrolled(caller);
    if (!key.revokedAt)
      await this.keys.update(key.organizationId, key.id, { revokedAt: new Date() });
    await this.cache.forget(key.id);
    this.audit.record(AUDIT_ACTIONS.apiKeyRevoked, {
      organizationId: key.organizationId,
      by: caller,
      target: { type: 'api_key', id: key.id },
      metadata: { name: key.name, start: key.start },
    });
  }

  /**
   * A new key with the same settings. The old one keeps working for the grace period (default
   * 24 hours; 0 stops it at once) and then expires. A key is rotated once: its replacement is
   * the one to rotate next, and an expired or revoked key has nothing left to hand over.
   */
  async rotate(
    caller: Principal,
    id: string,
    gracePeriodHours?: number,
  ): Promise<CreatedApiKeyDto> {
    const old = await this.require(caller, id);
    refuseDelegated(caller, 'rotate API keys');
    // A key with credits rotating another key would get a key without them; its own rotation
    // (or its pair's) spends the same balance.
    if (caller.type === 'api_key' && caller.credits?.counterId !== (old.creditsId ?? old.id)) {
      refuseCreditLimited(caller, 'rotate other API keys');
    }
    await this.minting.assertMfaIfEnrolled(caller);
    assertRotatable(old);
    const scopes = scopesOf(old);
    assertCallerCovers(caller, scopes);
    assertMayManageAccountKey(caller, old);
    const owner = await this.replacementOwner(caller, old);

    const now = Date.now();
    const graceEnds = new Date(now + (gracePeriodHours ?? DEFAULT_GRACE_PERIOD_HOURS) * HOUR_MS);
    const oldExpires = old.expiresAt && old.expiresAt < graceEnds ? old.expiresAt : graceEnds;
    // The new key spends the old one's balance (one counter for both during the grace period),
    // stored alike on both rows so the credits written behind apply to both.
    const { entity, created } = newApiKey(this.prefix, this.pepper, caller, old.organizationId, {
      name: old.name,
      environment: old.environment,
      scopes,
      rateLimitPerHour: old.rateLimitPerHour,
      allowedIps: allowedIpsOf(old),
      expiresAt: old.expiresAt,
      serviceAccountId: owner.serviceAccountId,
      rotatedFrom: old.id,
      actsFor: owner.actsFor,
      remaining: old.remaining,
      refillInterval: old.refillInterval,
      refillAmount: old.refillAmount,
      refillDay: old.refillDay,
      lastRefillAt: old.lastRefillAt,
      creditsVersion: old.creditsVersion,
      creditsId: old.creditsId ?? old.id,
    });
    // Two rotations racing: the replacement is claimed in the same transaction, one wins.
    if (!(await this.keys.replace(old, entity, oldExpires))) throw alreadyRotated();
    await this.cache.forget(old.id);
    this.audit.record(AUDIT_ACTIONS.apiKeyRotated, {
      organizationId: old.organizationId,
      by: caller,
      target: { type: 'api_key', id: old.id },
      metadata: { new_key_id: created.id, old_key_expires: oldExpires.toISOString() },
    });
    return {
      ...created,
      ...creditsView(entity, await this.balanceOf(old)),
      rotated_from: { id: old.id, expires: oldExpires.toISOString() },
    };
  }

  /**
   * Whose power a rotation's new key acts with: the old key's owner when they rotate it, for a
   * service account's key (its account's), or for the operator (who holds every role); else the
   * caller's. A member rotating a colleague's key would otherwise hold a secret acting for that
   * colleague, which outlives the member's own removal or demotion.
   */
  private async replacementOwner(caller: Principal, old: ApiKey): Promise<NewKeyOwner> {
    const kept = { actsFor: old.actsFor, serviceAccountId: old.serviceAccountId };
    if (old.serviceAccountId !== null || caller.type === 'instance_admin') return kept;
    if (isOwnKey(caller, old) || (caller.type === 'api_key' && caller.subject === old.id)) {
      return kept;
    }
    return this.ownerBehind(caller);
  }

  private async issue(
    caller: Principal,
    organizationId: string,
    settings: NewApiKeySettings,
  ): Promise<CreatedApiKeyDto> {
    const { entity, created } = newApiKey(
      this.prefix,
      this.pepper,
      caller,
      organizationId,
      settings,
    );
    await this.keys.insert(entity);
    return created;
  }

  /**
   * Whose power a new key acts with: the calling user's; for a key made by a key, whoever that
   * one acts for (the caller's scopes already cap the new key's, and so does that user's role at
   * every use). A service account's when the caller names one (or is one, or a key of one): the
   * key then dies with the account and never does more than the account's current scopes.
   */
  private async ownerOfNewKey(
    caller: Principal,
    organizationId: string,
    scopes: string[],
    serviceAccountId: string | undefined,
  ): Promise<NewKeyOwner> {
    const own = await this.ownerBehind(caller);
    if (own.serviceAccountId !== null) {
      if (serviceAccountId !== undefined && serviceAccountId !== own.serviceAccountId) {
        throw new ForbiddenError(
          'A service account makes API keys for itself only',
          'service_account_mismatch',
        );
      }
      return own;
    }
    if (serviceAccountId === undefined) return own;
    await this.assertMayIssueFor(caller, organizationId, serviceAccountId, scopes);
    return { actsFor: actsForOf({ serviceAccountId }), serviceAccountId };
  }

  /** Whose power the caller itself acts with, as a new key's owner. */
  private async ownerBehind(caller: Principal): Promise<NewKeyOwner> {
    switch (caller.type) {
      case 'user':
        return { actsFor: actsForOf({ userId: caller.subject }), serviceAccountId: null };
      case 'instance_admin':
        return { actsFor: actsForOf('instance_admin'), serviceAccountId: null };
      case 'api_key': {
        const key = await this.require(caller, caller.subject);
        const owner = ownerOf(key);
        const serviceAccountId =
          owner !== null && typeof owner === 'object' && 'serviceAccountId' in owner
            ? owner.serviceAccountId
            : null;
        return { actsFor: key.actsFor, serviceAccountId };
      }
      case 'service_account':
        return {
          actsFor: actsForOf({ serviceAccountId: caller.subject }),
          serviceAccountId: caller.subject,
        };
      case 'oauth_client':
        // A key must act for someone whose power can shrink (a user's role, an account's
        // scopes); a client's cannot. Machines that mint keys use service accounts.
        throw new ForbiddenError(
          'An OAuth client cannot create API keys',
          'client_cannot_create_keys',
        );
      default:
        return unhandledPrincipal(caller);
    }
  }

  /**
   * A key for a service account outlives whoever makes it, as the account does: only a caller
   * who may manage service accounts makes one, for an enabled account of its organization, within
   * the account's scopes.
   */
  private async assertMayIssueFor(
    caller: Principal,
    organizationId: string,
    serviceAccountId: string,
    scopes: string[],
  ): Promise<void> {
    if (!principalHasPermission(caller, ServiceAccountPermissions.write)) {
      throw new MissingPermissionError(ServiceAccountPermissions.write.name);
    }
    const account = await this.accounts.find(serviceAccountId);
    if (!account || account.organizationId !== organizationId) {
      throw new NotFoundError('Service account not found');
    }
    if (account.disabled) {
      throw new BadRequestError('The service account is disabled', 'service_account_disabled');
    }
    const beyond = scopes.filter((scope) => !hasScope(account.scopes, scope));
    if (beyond.length) {
      throw new ForbiddenError(
        `Beyond the service account’s scopes: ${beyond.join(', ')}`,
        'scope_escalation',
      );
    }
  }

  private async require(caller: Principal, id: string): Promise<ApiKey> {
    const key = await this.keys.findInOrganization(actingOrganizationId(caller), id);
    if (!key) throw new NotFoundError('API key not found');
    return key;
  }
}

/**
 * The stored credits of a balance set now: `remaining` (with a refill and no balance given, the
 * refill's amount), set at `now`; all null for an unlimited key.
 */
function creditsOfNewKey(
  remaining: number | null,
  refill: CreditRefillDto | null,
  now: number,
): CreditsColumns {
  const balance = remaining ?? refill?.amount ?? null;
  if (balance === null) {
    return {
      remaining: null,
      refillInterval: null,
      refillAmount: null,
      refillDay: null,
      lastRefillAt: null,
    };
  }
  return {
    remaining: balance,
    refillInterval: refill?.interval ?? null,
    refillAmount: refill?.amount ?? null,
    refillDay: refill?.interval === 'monthly' ? (refill.refill_day ?? null) : null,
    lastRefillAt: new Date(now),
  };
}

/** A key's refill as a PATCH would give it. */
function refillDtoOf(key: ApiKey): CreditRefillDto | null {
  if (key.refillInterval === null || key.refillAmount === null) return null;
  return {
    interval: key.refillInterval,
    amount: key.refillAmount,
    ...(key.refillDay === null ? {} : { refill_day: key.refillDay }),
  };
}

/** The credit fields of a key's answer, with its balance as it stands now. */
function creditsView(key: ApiKey, balance: CreditBalance | null) {
  const { remaining, refill, last_refill_at } = toApiKeyDto(key, balance ?? storedBalanceOf(key));
  return { remaining, refill, last_refill_at };
}

function refillWithoutBalance(): RequestValidationError {
  return new RequestValidationError([
    {
      loc: ['body', 'refill'],
      msg: 'a refill needs a balance: remaining cannot be null with it',
      type: 'value_error.refill',
    },
  ]);
}

/** Whose power a new key acts with, as stored. */
interface NewKeyOwner {
  actsFor: string | null;
  serviceAccountId: string | null;
}

/**
 * Changing or rotating a key that acts for a service account (raising its limits, a new secret
 * that outlives the caller) needs the account's own permission, unless the account itself asks.
 */
function assertMayManageAccountKey(caller: Principal, key: ApiKey): void {
  if (key.serviceAccountId === null) return;
  if (caller.type === 'service_account' && caller.subject === key.serviceAccountId) return;
  if (!principalHasPermission(caller, ServiceAccountPermissions.write)) {
    throw new MissingPermissionError(ServiceAccountPermissions.write.name);
  }
}

import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { prefixedId } from '../../common/ids';
import { actingOrganizationId, principalHasScope } from '../../common/auth/authorization';
import { Principal, unhandledPrincipal } from '../../common/auth/principal';
import { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import { isSubsetOf } from '../../common/auth/scopes';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../common/errors/api-errors';
import { normalizeAllowedIp } from '../../common/http/ip-allowlist';
import { DEFAULT_PAGE_SIZE, ListPage, toPage } from '../../common/http/pagination';
import { EnvironmentVariables } from '../../config/env.schema';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { UsersService } from '../users/users.service';
import { ApiKeyCache } from './api-key-cache';
import { generateApiKey } from './api-key-format';
import { ApiKeyPepper } from './api-key-pepper';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKey } from './api-key.entity';
import { actsForOf, allowedIpsOf, scopesOf, toApiKeyDto } from './api-keys.mapper';
import { ApiKeysRepository } from './api-keys.repository';
import {
  ApiKeyDto,
  ApiKeyListQueryDto,
  CreatedApiKeyDto,
  UsageDto,
  UsageQueryDto,
} from './dto/api-key.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { UpdateApiKeyDto } from './dto/update-api-key.dto';
import { parseDuration } from './expiration';

type NewKeySettings = Pick<
  ApiKey,
  | 'name'
  | 'environment'
  | 'rateLimitPerHour'
  | 'expiresAt'
  | 'serviceAccountId'
  | 'rotatedFrom'
  | 'actsFor'
> & { scopes: string[]; allowedIps: string[] };

type ApiKeyPatch = Partial<Pick<ApiKey, 'name' | 'rateLimitPerHour' | 'allowedIps' | 'scopes'>>;

/** The contract's name of each field a PATCH may change. */
const UPDATABLE_FIELDS = {
  name: 'name',
  rateLimitPerHour: 'rate_limit_per_hour',
  allowedIps: 'allowed_ips',
  scopes: 'scopes',
} as const satisfies Record<keyof ApiKeyPatch, keyof ApiKeyDto>;

const alreadyRotated = () =>
  new BadRequestError('This key was already rotated; rotate its replacement', 'key_rotated');

/** A user may always end a key of their own. */
const isOwnKey = (caller: Principal, key: ApiKey): boolean =>
  caller.type === 'user' && key.actsFor === actsForOf({ userId: caller.subject });

const DEFAULT_RATE_LIMIT_PER_HOUR = 1000;
const DEFAULT_GRACE_PERIOD_HOURS = 24;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Issuing and managing API keys. The rules: a caller never mints a key wider than its own scopes;
 * a user who enrolled MFA must have passed it to create, rotate or revoke; every change drops the
 * key from the verification cache so it takes effect on the very next request.
 */
@Injectable()
export class ApiKeysService {
  private readonly prefix: string;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly cache: ApiKeyCache,
    private readonly pepper: ApiKeyPepper,
    private readonly usage: ApiKeyUsageRecorder,
    private readonly catalogue: ScopeCatalogue,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.prefix = config.get('TESSERA_KEY_PREFIX', { infer: true });
  }

  async create(caller: Principal, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const organizationId = actingOrganizationId(caller);
    await this.assertMfaIfEnrolled(caller);
    const scopes = this.requestedScopes(dto);
    this.assertCallerCovers(caller, scopes);
    // Service accounts do not exist yet: no id can name one in the caller's organization.
    if (dto.service_account_id !== undefined) throw new NotFoundError('Service account not found');
    const now = Date.now();
    const created = await this.issue(caller, organizationId, {
      name: dto.name,
      environment: dto.environment ?? 'live',
      scopes,
      rateLimitPerHour: dto.rate_limit_per_hour ?? DEFAULT_RATE_LIMIT_PER_HOUR,
      allowedIps: this.normalizeAllowedIps(dto.allowed_ips ?? []),
      expiresAt: this.expiryOf(dto, now),
      serviceAccountId: null,
      rotatedFrom: null,
      actsFor: await this.ownerOfNewKey(caller),
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
    });
    return toPage(rows, limit, toApiKeyDto);
  }

  async get(caller: Principal, id: string): Promise<ApiKeyDto> {
    return toApiKeyDto(await this.require(caller, id));
  }

  async update(caller: Principal, id: string, dto: UpdateApiKeyDto): Promise<ApiKeyDto> {
    const key = await this.require(caller, id);
    // Lifting a restriction (addresses, rate limit) is as strong as minting the key.
    this.assertCallerCovers(caller, scopesOf(key));
    const patch = this.changesOf(key, dto);
    const changed = Object.keys(patch) as (keyof typeof patch)[];
    if (changed.length === 0) return toApiKeyDto(key);
    await this.keys.update(key.organizationId, key.id, patch);
    await this.cache.forget(key.id);
    const after = toApiKeyDto({ ...key, ...patch });
    const fields = changed.map((field) => UPDATABLE_FIELDS[field]);
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

  /** The fields of a PATCH that differ from the key, in their stored form. */
  private changesOf(key: ApiKey, dto: UpdateApiKeyDto): ApiKeyPatch {
    const patch: ApiKeyPatch = {};
    if (dto.name !== undefined && dto.name !== key.name) patch.name = dto.name;
    if (dto.rate_limit_per_hour !== undefined && dto.rate_limit_per_hour !== key.rateLimitPerHour)
      patch.rateLimitPerHour = dto.rate_limit_per_hour;
    if (dto.allowed_ips !== undefined) {
      const allowedIps = JSON.stringify(this.normalizeAllowedIps(dto.allowed_ips));
      if (allowedIps !== key.allowedIps) patch.allowedIps = allowedIps;
    }
    if (dto.scopes !== undefined) {
      const scopes = this.validScopes(dto.scopes);
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
    if (!isOwnKey(caller, key)) this.assertCallerCovers(caller, scopesOf(key));
    await this.assertMfaIfEnrolled(caller);
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
    await this.assertMfaIfEnrolled(caller);
    this.assertRotatable(old);
    const scopes = scopesOf(old);
    this.assertCallerCovers(caller, scopes);

    const now = Date.now();
    const graceEnds = new Date(now + (gracePeriodHours ?? DEFAULT_GRACE_PERIOD_HOURS) * HOUR_MS);
    const oldExpires = old.expiresAt && old.expiresAt < graceEnds ? old.expiresAt : graceEnds;
    const { entity, created } = this.newKey(caller, old.organizationId, {
      name: old.name,
      environment: old.environment,
      scopes,
      rateLimitPerHour: old.rateLimitPerHour,
      allowedIps: allowedIpsOf(old),
      expiresAt: old.expiresAt,
      serviceAccountId: old.serviceAccountId,
      rotatedFrom: old.id,
      actsFor: old.actsFor,
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
    return { ...created, rotated_from: { id: old.id, expires: oldExpires.toISOString() } };
  }

  private assertRotatable(key: ApiKey): void {
    if (key.revokedAt) throw new BadRequestError('A revoked key cannot be rotated', 'key_revoked');
    if (key.replacedBy) throw alreadyRotated();
    if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) {
      throw new BadRequestError('An expired key cannot be rotated', 'key_expired');
    }
  }

  async usageOf(caller: Principal, id: string, query: UsageQueryDto): Promise<UsageDto> {
    // Written first, so the counts and last_used include what this instance has not flushed yet.
    await this.usage.flush();
    const key = await this.require(caller, id);
    const granularity = query.granularity ?? 'hour';
    const until = query.until ? new Date(query.until) : new Date();
    const since = query.since
      ? new Date(query.since)
      : new Date(until.getTime() - (granularity === 'hour' ? DAY_MS : 30 * DAY_MS));
    if (since > until) throw new BadRequestError('since must be before until');
    const hours = await this.keys.listUsage(
      key.organizationId,
      key.id,
      new Date(since.getTime() - (since.getTime() % HOUR_MS)),
      until,
    );
    const periods = new Map<number, { requests: number; rejected: number }>();
    for (const hour of hours) {
      const start = hour.periodStart.getTime();
      const period = granularity === 'day' ? start - (start % DAY_MS) : start;
      const sum = periods.get(period) ?? { requests: 0, rejected: 0 };
      sum.requests += hour.requests;
      sum.rejected += hour.rejected;
      periods.set(period, sum);
    }
    return {
      data: [...periods].map(([start, sum]) => ({
        period_start: new Date(start).toISOString(),
        ...sum,
      })),
      last_used: key.lastUsedAt?.toISOString() ?? null,
      last_ip: key.lastIp,
    };
  }

  private async issue(
    caller: Principal,
    organizationId: string,
    settings: NewKeySettings,
  ): Promise<CreatedApiKeyDto> {
    const { entity, created } = this.newKey(caller, organizationId, settings);
    await this.keys.insert(entity);
    return created;
  }

  private newKey(
    caller: Principal,
    organizationId: string,
    settings: NewKeySettings,
  ): { entity: ApiKey; created: CreatedApiKeyDto } {
    const { key, start } = generateApiKey(this.prefix, settings.environment);
    const entity: ApiKey = {
      id: prefixedId('key'),
      organizationId,
      name: settings.name,
      keyHash: this.pepper.hash(key),
      start,
      environment: settings.environment,
      scopes: settings.scopes.join(' '),
      rateLimitPerHour: settings.rateLimitPerHour,
      allowedIps: JSON.stringify(settings.allowedIps),
      serviceAccountId: settings.serviceAccountId,
      createdBy: `${caller.type}:${caller.subject}`,
      actsFor: settings.actsFor,
      rotatedFrom: settings.rotatedFrom,
      replacedBy: null,
      createdAt: new Date(),
      expiresAt: settings.expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      lastIp: null,
    };
    return { entity, created: { ...toApiKeyDto(entity), key } };
  }

  /**
   * Whose power a new key acts with: the calling user's; for a key made by a key, whoever that
   * one acts for (the caller's scopes already cap the new key's, and so does that user's role at
   * every use).
   */
  private async ownerOfNewKey(caller: Principal): Promise<string | null> {
    switch (caller.type) {
      case 'user':
        return actsForOf({ userId: caller.subject });
      case 'instance_admin':
        return actsForOf('instance_admin');
      case 'api_key':
        return (await this.require(caller, caller.subject)).actsFor;
      default:
        return unhandledPrincipal(caller);
    }
  }

  private async require(caller: Principal, id: string): Promise<ApiKey> {
    const key = await this.keys.findInOrganization(actingOrganizationId(caller), id);
    if (!key) throw new NotFoundError('API key not found');
    return key;
  }

  /** `scopes`, or its alias `permissions`, or the `access` shorthand; exactly one of them. */
  private requestedScopes(dto: CreateApiKeyDto): string[] {
    const given = [dto.scopes, dto.permissions, dto.access].filter((v) => v !== undefined);
    if (given.length !== 1) {
      throw new BadRequestError(
        'Give exactly one of scopes, permissions or access',
        'scopes_required',
      );
    }
    return this.validScopes(
      dto.access ? this.catalogue.expand(dto.access) : (dto.scopes ?? dto.permissions)!,
    );
  }

  private validScopes(scopes: string[]): string[] {
    const unique = [...new Set(scopes.map((s) => s.trim()))];
    if (unique.length === 0)
      throw new BadRequestError('A key needs at least one scope', 'scopes_required');
    const unknown = unique.filter((s) => !this.catalogue.isKnown(s));
    if (unknown.length)
      throw new BadRequestError(`Unknown scope: ${unknown.join(', ')}`, 'unknown_scope');
    return unique;
  }

  private assertCallerCovers(caller: Principal, scopes: string[]): void {
    const beyond = scopes.filter((scope) => !principalHasScope(caller, scope));
    if (beyond.length) {
      throw new ForbiddenError(
        `Cannot grant scopes you do not have: ${beyond.join(', ')}`,
        'scope_escalation',
      );
    }
  }

  private async assertMfaIfEnrolled(caller: Principal): Promise<void> {
    if (caller.type !== 'user' || caller.mfa) return;
    const user = await this.users.findById(caller.subject);
    if (user?.mfaEnabledAt) {
      throw new ForbiddenError(
        'This action needs a session that passed MFA; log in with mfa_code',
        'mfa_required',
      );
    }
  }

  private normalizeAllowedIps(entries: string[]): string[] {
    // The DTO refuses bad entries first (422 at their index); this stays the last guard.
    const normalized = entries.map((entry) => ({ entry, ip: normalizeAllowedIp(entry) }));
    const invalid = normalized.filter((n) => n.ip === null).map((n) => n.entry);
    if (invalid.length)
      throw new BadRequestError(
        `Invalid IP address or CIDR range: ${invalid.join(', ')}`,
        'invalid_allowed_ips',
      );
    return [...new Set(normalized.map((n) => n.ip!))];
  }

  private expiryOf(dto: CreateApiKeyDto, now: number): Date | null {
    if (dto.expires_in_days !== undefined && dto.expiration !== undefined) {
      throw new BadRequestError('Give expires_in_days or expiration, not both');
    }
    if (dto.expires_in_days !== undefined) return new Date(now + dto.expires_in_days * DAY_MS);
    if (dto.expiration !== undefined) {
      // The DTO refused every other value already (422); this stays the last guard.
      const ms = parseDuration(dto.expiration);
      if (ms === null) throw new BadRequestError('expiration must be "30d", "12h"… up to 10 years');
      return new Date(now + ms);
    }
    return null;
  }
}

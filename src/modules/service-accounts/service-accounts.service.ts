import { Injectable } from '@nestjs/common';
import { actingOrganizationId } from '../../common/auth/authorization';
import type { Principal } from '../../common/auth/principal';
import { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import { NotFoundError } from '../../common/errors/api-errors';
import { DEFAULT_PAGE_SIZE, ListPage, ListQueryDto, toPage } from '../../common/http/pagination';
import { prefixedId } from '../../common/ids';
import { Clock } from '../../common/time/clock';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditRecorder } from '../audit/audit-recorder.service';
import { AccessTokensService } from '../tokens/access-tokens.service';
import { CredentialMinting } from '../users/credential-minting';
import { CreateServiceAccountDto } from './dto/create-service-account.dto';
import { CreatedServiceAccountDto, ServiceAccountDto } from './dto/service-account.dto';
import { UpdateServiceAccountDto } from './dto/update-service-account.dto';
import { generateKeyMaterial } from './keys/key-material';
import { newServiceAccountKey } from './keys/new-key';
import { ServiceAccountChanges } from './service-account-changes';
import { ServiceAccountDependents } from './service-account-dependents';
import { SERVICE_ACCOUNT_ID_PREFIX } from './service-account-ids';
import { assertCallerMayGrant, assertNarrower, knownScopes } from './service-account-rules';
import type { ServiceAccount } from './service-account.entity';
import { keyFileOf, scopesOf, toServiceAccountDto } from './service-accounts.mapper';
import { ServiceAccountPatch, ServiceAccountsRepository } from './service-accounts.repository';
import { tokenUriOf } from './token-uri';

/** The contract's name of each field a PATCH may change, for the audit event. */
const UPDATABLE_FIELDS = {
  name: 'name',
  description: 'description',
  scopes: 'scopes',
} as const satisfies Partial<Record<keyof ServiceAccountPatch, keyof ServiceAccountDto>>;

/**
 * Creating and managing an organization's service accounts. The rules: a caller never gives an
 * account scopes it lacks itself, and only a caller who could have created an account changes,
 * disables or deletes it; scopes are only narrowed; the key file (with the private key) is in
 * the creation's answer and nowhere else; every change is told to every instance, so assertions,
 * tokens and API keys of a disabled or deleted account are refused on the next request.
 */
@Injectable()
export class ServiceAccountsService {
  private readonly tokenUri: string;

  constructor(
    private readonly accounts: ServiceAccountsRepository,
    private readonly changes: ServiceAccountChanges,
    private readonly dependents: ServiceAccountDependents,
    private readonly catalogue: ScopeCatalogue,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    private readonly minting: CredentialMinting,
    accessTokens: AccessTokensService,
  ) {
    this.tokenUri = tokenUriOf(accessTokens.issuer);
  }

  async create(caller: Principal, dto: CreateServiceAccountDto): Promise<CreatedServiceAccountDto> {
    // Its answer holds the account's first key file.
    await this.minting.assertMayMint(caller, 'create service accounts');
    const organizationId = actingOrganizationId(caller);
    const scopes = knownScopes(dto.scopes, this.catalogue);
    assertCallerMayGrant(caller, scopes);
    const now = this.clock.now();
    const account: ServiceAccount = {
      id: prefixedId(SERVICE_ACCOUNT_ID_PREFIX),
      organizationId,
      name: dto.name,
      description: dto.description ?? '',
      scopes: scopes.join(' '),
      disabledAt: null,
      createdBy: `${caller.type}:${caller.subject}`,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    };
    const material = await generateKeyMaterial(dto.algorithm ?? 'RS256');
    const key = newServiceAccountKey(account, material, {
      origin: 'generated',
      caller,
      now,
      expiresInDays: dto.expires_in_days,
    });
    await this.accounts.insertWithKey(account, key);
    // An instance that looked this id up before (a made-up iss) forgets that it was unknown.
    await this.changes.publish({ id: account.id, organizationId, change: 'created' });
    const created = toServiceAccountDto(account);
    const target = { type: 'service_account', id: account.id };
    this.audit.record(AUDIT_ACTIONS.serviceAccountCreated, {
      organizationId,
      by: caller,
      target,
      metadata: { name: created.name, description: created.description, scopes: created.scopes },
    });
    this.audit.record(AUDIT_ACTIONS.serviceAccountKeyCreated, {
      organizationId,
      by: caller,
      target,
      metadata: {
        key_id: key.id,
        algorithm: key.algorithm,
        origin: key.origin,
        expires: key.expiresAt.toISOString(),
      },
    });
    return {
      ...created,
      key_file: keyFileOf(account, key.id, material.privateKeyPem, this.tokenUri),
    };
  }

  async list(caller: Principal, query: ListQueryDto): Promise<ListPage<ServiceAccountDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.accounts.list(actingOrganizationId(caller), {
      limit,
      startingAfter: query.starting_after,
    });
    return toPage(rows, limit, toServiceAccountDto);
  }

  async get(caller: Principal, id: string): Promise<ServiceAccountDto> {
    return toServiceAccountDto(await this.require(caller, id));
  }

  async update(
    caller: Principal,
    id: string,
    dto: UpdateServiceAccountDto,
  ): Promise<ServiceAccountDto> {
    const account = await this.requireManageable(caller, id);
    const patch = this.changesOf(account, dto);
    if (Object.keys(patch).length === 0) return toServiceAccountDto(account);
    patch.updatedAt = new Date(this.clock.now());
    await this.accounts.update(account.organizationId, account.id, patch);
    const updated: ServiceAccount = { ...account, ...patch };
    const disabling = patch.disabledAt !== undefined && patch.disabledAt !== null;
    await this.changes.publish({
      id: account.id,
      organizationId: account.organizationId,
      change: disabling ? 'disabled' : 'updated',
    });
    this.recordUpdate(caller, updated, patch);
    return toServiceAccountDto(updated);
  }

  /**
   * Deletes the account and its keys; what other modules keep for it (its API keys) is ended
   * first, then every instance is told, so none of its assertions, tokens or API keys is
   * accepted anywhere once this answers.
   */
  async delete(caller: Principal, id: string): Promise<void> {
    const account = await this.requireManageable(caller, id);
    const ended = await this.dependents.endAll(account, new Date(this.clock.now()));
    if (!(await this.accounts.delete(account.organizationId, account.id))) {
      throw new NotFoundError('Service account not found');
    }
    await this.changes.publish({
      id: account.id,
      organizationId: account.organizationId,
      change: 'deleted',
    });
    this.audit.record(AUDIT_ACTIONS.serviceAccountDeleted, {
      organizationId: account.organizationId,
      by: caller,
      target: { type: 'service_account', id: account.id },
      metadata: {
        name: account.name,
        // As values: a field named after API keys would be dropped as a secret.
        revoked_with_it: Object.entries(ended).map(([kind, count]) => ({ kind, count })),
      },
    });
  }

  /** The account in the caller's organization; another organization's is as missing as none. */
  async require(caller: Principal, id: string): Promise<ServiceAccount> {
    const account = await this.accounts.findInOrganization(actingOrganizationId(caller), id);
    if (!account) throw new NotFoundError('Service account not found');
    return account;
  }

  /** The account, for a caller who could have created it (its scopes are all the caller's). */
  async requireManageable(caller: Principal, id: string): Promise<ServiceAccount> {
    const account = await this.require(caller, id);
    assertCallerMayGrant(caller, scopesOf(account));
    return account;
  }

  /** The stored columns a PATCH changes, only those that differ. */
  private changesOf(account: ServiceAccount, dto: UpdateServiceAccountDto): ServiceAccountPatch {
    const patch: ServiceAccountPatch = {};
    if (dto.name !== undefined && dto.name !== account.name) patch.name = dto.name;
    if (dto.description !== undefined && dto.description !== account.description) {
      patch.description = dto.description;
    }
    if (dto.scopes !== undefined) {
      const scopes = knownScopes(dto.scopes, this.catalogue);
      assertNarrower(scopes, scopesOf(account));
      if (scopes.join(' ') !== account.scopes) patch.scopes = scopes.join(' ');
    }
    const disabled = account.disabledAt !== null;
    if (dto.disabled !== undefined && dto.disabled !== disabled) {
      patch.disabledAt = dto.disabled ? new Date(this.clock.now()) : null;
    }
    return patch;
  }

  /** One event for the changed fields, one for a disable or an enable. */
  private recordUpdate(caller: Principal, updated: ServiceAccount, patch: ServiceAccountPatch) {
    const after = toServiceAccountDto(updated);
    const record = { organizationId: updated.organizationId, by: caller };
    const target = { type: 'service_account', id: updated.id };
    const fields = (Object.keys(UPDATABLE_FIELDS) as (keyof typeof UPDATABLE_FIELDS)[])
      .filter((field) => patch[field] !== undefined)
      .map((field) => UPDATABLE_FIELDS[field]);
    if (fields.length > 0) {
      this.audit.record(AUDIT_ACTIONS.serviceAccountUpdated, {
        ...record,
        target,
        metadata: {
          changed: fields,
          ...Object.fromEntries(fields.map((field) => [field, after[field]])),
        },
      });
    }
    if (patch.disabledAt !== undefined) {
      this.audit.record(
        patch.disabledAt
          ? AUDIT_ACTIONS.serviceAccountDisabled
          : AUDIT_ACTIONS.serviceAccountEnabled,
        { ...record, target, metadata: { name: updated.name } },
      );
    }
  }
}

import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal';
import { NotFoundError, RequestValidationError } from '../../../common/errors/api-errors';
import { DEFAULT_PAGE_SIZE, ListPage, ListQueryDto, toPage } from '../../../common/http/pagination';
import { Clock } from '../../../common/time/clock';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import { AccessTokensService } from '../../tokens/access-tokens.service';
import { CreateServiceAccountKeyDto } from '../dto/create-service-account-key.dto';
import { CreatedServiceAccountKeyDto, ServiceAccountKeyDto } from '../dto/service-account.dto';
import { ServiceAccountChanges } from '../service-account-changes';
import { assertRoomForKey } from '../service-account-rules';
import type { ServiceAccount } from '../service-account.entity';
import { keyFileOf, toServiceAccountKeyDto } from '../service-accounts.mapper';
import { ServiceAccountsRepository } from '../service-accounts.repository';
import { ServiceAccountsService } from '../service-accounts.service';
import { tokenUriOf } from '../token-uri';
import {
  generateKeyMaterial,
  importPublicKey,
  KeyPairMaterial,
  PublicKeyMaterial,
  UnusableKeyError,
} from './key-material';
import { newServiceAccountKey } from './new-key';
import type { ServiceAccountKey } from './service-account-key.entity';
import { CredentialMinting } from '../../users/credential-minting';

/**
 * An account's keys: more key files (a pair made here, its private key answered once) or the
 * caller's own public keys, the list, and revocation, which every instance applies before it
 * answers (the key's assertions and the tokens it got stop working). Managed only by a caller
 * who could have created the account.
 */
@Injectable()
export class ServiceAccountKeysService {
  private readonly tokenUri: string;

  constructor(
    private readonly accounts: ServiceAccountsService,
    private readonly repository: ServiceAccountsRepository,
    private readonly changes: ServiceAccountChanges,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    private readonly minting: CredentialMinting,
    accessTokens: AccessTokensService,
  ) {
    this.tokenUri = tokenUriOf(accessTokens.issuer);
  }

  async create(
    caller: Principal,
    accountId: string,
    dto: CreateServiceAccountKeyDto,
  ): Promise<CreatedServiceAccountKeyDto> {
    await this.minting.assertMayMint(caller, "create a service account's keys");
    const account = await this.accounts.requireManageable(caller, accountId);
    const material = await this.materialOf(dto);
    const now = this.clock.now();
    const key = newServiceAccountKey(account, material, {
      origin: 'privateKeyPem' in material ? 'generated' : 'uploaded',
      caller,
      now,
      expiresInDays: dto.expires_in_days,
    });
    await this.repository.insertKeyIfRoom(key, new Date(now), assertRoomForKey);
    await this.changes.publish({
      id: account.id,
      organizationId: account.organizationId,
      change: 'key_added',
    });
    this.recordKeyEvent(AUDIT_ACTIONS.serviceAccountKeyCreated, caller, account, key);
    const created = toServiceAccountKeyDto(key, now);
    return 'privateKeyPem' in material
      ? { ...created, key_file: keyFileOf(account, key.id, material.privateKeyPem, this.tokenUri) }
      : created;
  }

  async list(
    caller: Principal,
    accountId: string,
    query: ListQueryDto,
  ): Promise<ListPage<ServiceAccountKeyDto>> {
    const account = await this.accounts.require(caller, accountId);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.listKeys(account.organizationId, account.id, {
      limit,
      startingAfter: query.starting_after,
    });
    const now = this.clock.now();
    return toPage(rows, limit, (key) => toServiceAccountKeyDto(key, now));
  }

  /** Revokes the key at once, on every instance; revoking a revoked key changes nothing. */
  async revoke(caller: Principal, accountId: string, keyId: string): Promise<void> {
    const account = await this.accounts.requireManageable(caller, accountId);
    const key = await this.repository.findKey(account.organizationId, account.id, keyId);
    if (!key) throw new NotFoundError('Service account key not found');
    if (key.revokedAt) return;
    const at = new Date(this.clock.now());
    await this.repository.revokeKey(account.organizationId, account.id, key.id, at);
    await this.changes.publish({
      id: account.id,
      organizationId: account.organizationId,
      change: 'key_revoked',
    });
    this.recordKeyEvent(AUDIT_ACTIONS.serviceAccountKeyRevoked, caller, account, {
      ...key,
      revokedAt: at,
    });
  }

  /** A pair made here, or the caller's own public key (PEM or JWK), checked. */
  private async materialOf(
    dto: CreateServiceAccountKeyDto,
  ): Promise<KeyPairMaterial | PublicKeyMaterial> {
    if (dto.public_key !== undefined && dto.public_key_jwk !== undefined) {
      throw new RequestValidationError([
        {
          loc: ['body', 'public_key_jwk'],
          msg: 'give public_key or public_key_jwk, not both',
          type: 'value_error.public_key',
        },
      ]);
    }
    if (dto.public_key === undefined && dto.public_key_jwk === undefined) {
      return generateKeyMaterial(dto.algorithm ?? 'RS256');
    }
    const field = dto.public_key !== undefined ? 'public_key' : 'public_key_jwk';
    try {
      return importPublicKey(
        dto.public_key !== undefined ? { pem: dto.public_key } : { jwk: dto.public_key_jwk! },
        dto.algorithm,
      );
    } catch (error) {
      if (!(error instanceof UnusableKeyError)) throw error;
      throw new RequestValidationError([
        { loc: ['body', field], msg: error.message, type: 'value_error.public_key' },
      ]);
    }
  }

  private recordKeyEvent(
    action: (typeof AUDIT_ACTIONS)['serviceAccountKeyCreated' | 'serviceAccountKeyRevoked'],
    caller: Principal,
    account: ServiceAccount,
    key: ServiceAccountKey,
  ): void {
    this.audit.record(action, {
      organizationId: account.organizationId,
      by: caller,
      target: { type: 'service_account', id: account.id },
      metadata: {
        key_id: key.id,
        algorithm: key.algorithm,
        origin: key.origin,
        expires: key.expiresAt.toISOString(),
      },
    });
  }
}

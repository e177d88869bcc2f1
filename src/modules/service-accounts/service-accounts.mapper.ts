import type {
  KeyFileDto,
  ServiceAccountDto,
  ServiceAccountKeyDto,
  ServiceAccountKeyStatus,
} from './dto/service-account.dto';
import type { ServiceAccountKey } from './keys/service-account-key.entity';
import type { ServiceAccount } from './service-account.entity';

/** The one place accounts and keys become what callers see; no key material but the key file's. */

export const scopesOf = (account: Pick<ServiceAccount, 'scopes'>): string[] =>
  account.scopes.split(' ').filter(Boolean);

export function toServiceAccountDto(account: ServiceAccount): ServiceAccountDto {
  return {
    id: account.id,
    name: account.name,
    description: account.description,
    scopes: scopesOf(account),
    client_id: account.id,
    organization_id: account.organizationId,
    disabled: account.disabledAt !== null,
    disabled_at: account.disabledAt?.toISOString() ?? null,
    created: account.createdAt.toISOString(),
    updated: account.updatedAt.toISOString(),
  };
}

export function keyStatusOf(key: ServiceAccountKey, now: number): ServiceAccountKeyStatus {
  if (key.revokedAt) return 'revoked';
  return key.expiresAt.getTime() <= now ? 'expired' : 'active';
}

export function toServiceAccountKeyDto(key: ServiceAccountKey, now: number): ServiceAccountKeyDto {
  return {
    private_key_id: key.id,
    service_account_id: key.serviceAccountId,
    algorithm: key.algorithm,
    origin: key.origin,
    created: key.createdAt.toISOString(),
    expires: key.expiresAt.toISOString(),
    last_used: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
    status: keyStatusOf(key, now),
  };
}

/** The key file of a key the server made: everything a pipeline needs to get tokens. */
export function keyFileOf(
  account: Pick<ServiceAccount, 'id' | 'organizationId'>,
  keyId: string,
  privateKeyPem: string,
  tokenUri: string,
): KeyFileDto {
  return {
    type: 'service_account',
    organization_id: account.organizationId,
    service_account_id: account.id,
    client_id: account.id,
    private_key_id: keyId,
    private_key: privateKeyPem,
    token_uri: tokenUri,
  };
}

import { ApiKeyDto } from './dto/api-key.dto';
import { ApiKey } from './api-key.entity';
import type { ApiKeyStatus } from './api-keys.repository';
import type { VerifiedApiKey } from './api-key-cache';
import type { CreditBalance } from './credits/api-key-credits';
import { refillOf } from './credits/key-credits';

function statusOf(key: ApiKey, now = Date.now()): ApiKeyStatus {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now) return 'expired';
  return 'active';
}

export const scopesOf = (key: Pick<ApiKey, 'scopes'>): string[] =>
  key.scopes.split(' ').filter(Boolean);
export const allowedIpsOf = (key: Pick<ApiKey, 'allowedIps'>): string[] =>
  JSON.parse(key.allowedIps) as string[];

/** Whose power a key acts with (see VerifiedApiKey.owner). */
export function ownerOf(
  key: Pick<ApiKey, 'actsFor' | 'serviceAccountId'>,
): VerifiedApiKey['owner'] {
  if (key.actsFor === INSTANCE_ADMIN) return INSTANCE_ADMIN;
  if (key.actsFor === SERVICE_ACCOUNT) {
    return key.serviceAccountId ? { serviceAccountId: key.serviceAccountId } : null;
  }
  if (key.actsFor?.startsWith(USER_PREFIX))
    return { userId: key.actsFor.slice(USER_PREFIX.length) };
  return null;
}

/**
 * The stored form of a key's owner (ApiKey.actsFor). A service account's key stores a marker: the
 * account is its `service_account_id`.
 */
export function actsForOf(owner: VerifiedApiKey['owner']): string | null {
  if (owner === null || owner === INSTANCE_ADMIN) return owner;
  if ('serviceAccountId' in owner) return SERVICE_ACCOUNT;
  return `${USER_PREFIX}${owner.userId}`;
}

const INSTANCE_ADMIN = 'instance_admin';
const SERVICE_ACCOUNT = 'service_account';
const USER_PREFIX = 'user:';

/** A key's balance as stored (a new key's is exact; a used one's trails the live count). */
export function storedBalanceOf(key: ApiKey): CreditBalance | null {
  return key.remaining === null
    ? null
    : { remaining: key.remaining, setAt: key.lastRefillAt?.getTime() ?? key.createdAt.getTime() };
}

/**
 * The one place an ApiKey entity becomes what clients see; the hash never leaves. `balance`: its
 * credits as they stand now (ApiKeyCredits.balances), else as stored.
 */
export function toApiKeyDto(
  key: ApiKey,
  balance: CreditBalance | null = storedBalanceOf(key),
): ApiKeyDto {
  const refill = refillOf(key);
  return {
    id: key.id,
    name: key.name,
    start: key.start,
    environment: key.environment,
    scopes: scopesOf(key),
    created: key.createdAt.toISOString(),
    expires: key.expiresAt?.toISOString() ?? null,
    rate_limit_per_hour: key.rateLimitPerHour,
    allowed_ips: allowedIpsOf(key),
    last_used: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
    leak_reported_at: key.leakReportedAt?.toISOString() ?? null,
    status: statusOf(key),
    service_account_id: key.serviceAccountId,
    remaining: balance?.remaining ?? null,
    refill:
      refill === null
        ? null
        : { interval: refill.interval, amount: refill.amount, refill_day: refill.day },
    last_refill_at:
      refill === null || balance === null ? null : new Date(balance.setAt).toISOString(),
  };
}

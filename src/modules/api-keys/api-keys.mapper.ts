import { ApiKeyDto } from './dto/api-key.dto';
import { ApiKey } from './api-key.entity';
import type { ApiKeyStatus } from './api-keys.repository';

function statusOf(key: ApiKey, now = Date.now()): ApiKeyStatus {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now) return 'expired';
  return 'active';
}

export const scopesOf = (key: Pick<ApiKey, 'scopes'>): string[] =>
  key.scopes.split(' ').filter(Boolean);
export const allowedIpsOf = (key: Pick<ApiKey, 'allowedIps'>): string[] =>
  JSON.parse(key.allowedIps) as string[];

/** The one place an ApiKey entity becomes what clients see; the hash never leaves. */
export function toApiKeyDto(key: ApiKey): ApiKeyDto {
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
    status: statusOf(key),
    service_account_id: key.serviceAccountId,
  };
}

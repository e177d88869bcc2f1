import type { Principal } from '../../common/auth/principal';
import { API_KEY_ID_PREFIX, prefixedId } from '../../common/ids';
import { generateApiKey } from './api-key-format';
import type { ApiKeyPepper } from './api-key-pepper';
import type { ApiKey } from './api-key.entity';
import { toApiKeyDto } from './api-keys.mapper';
import type { CreatedApiKeyDto } from './dto/api-key.dto';

export type NewApiKeySettings = Pick<
  ApiKey,
  | 'name'
  | 'environment'
  | 'rateLimitPerHour'
  | 'expiresAt'
  | 'serviceAccountId'
  | 'rotatedFrom'
  | 'actsFor'
  | 'remaining'
  | 'refillInterval'
  | 'refillAmount'
  | 'refillDay'
  | 'lastRefillAt'
  | 'creditsVersion'
  | 'creditsId'
> & { scopes: string[]; allowedIps: string[] };

/**
 * A new key: its row (only the peppered hash of the secret) and the answer that shows the
 * secret, once.
 */
export function newApiKey(
  prefix: string,
  pepper: ApiKeyPepper,
  caller: Principal,
  organizationId: string,
  settings: NewApiKeySettings,
): { entity: ApiKey; created: CreatedApiKeyDto } {
  const { key, start } = generateApiKey(prefix, settings.environment);
  const entity: ApiKey = {
    id: prefixedId(API_KEY_ID_PREFIX),
    organizationId,
    name: settings.name,
    keyHash: pepper.hash(key),
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
    leakReportedAt: null,
    lastUsedAt: null,
    lastIp: null,
    remaining: settings.remaining,
    refillInterval: settings.refillInterval,
    refillAmount: settings.refillAmount,
    refillDay: settings.refillDay,
    lastRefillAt: settings.lastRefillAt,
    creditsVersion: settings.creditsVersion,
    creditsId: settings.creditsId,
  };
  return { entity, created: { ...toApiKeyDto(entity), key } };
}

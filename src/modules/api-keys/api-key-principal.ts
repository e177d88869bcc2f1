import type { ApiKeyPrincipal, SpentCredit } from '../../common/auth/principal';
import type { ActingApiKey } from './api-key-authority';

/**
 * The one place an API key becomes a principal: every field comes from the acting key, but what
 * the request spent of its credits (null for a key without a limit).
 */
export function apiKeyPrincipal(
  acting: ActingApiKey,
  credits: SpentCredit | null,
): ApiKeyPrincipal {
  const key = acting.key;
  return {
    type: 'api_key',
    subject: key.id,
    organizationId: key.organizationId,
    scopes: acting.scopes,
    ownerRole: acting.role,
    environment: key.environment,
    expiresAt: key.expiresAt === null ? null : new Date(key.expiresAt),
    rateLimitPerHour: key.rateLimitPerHour,
    credential: acting,
    credits,
  };
}

import type { Principal } from '../../../common/auth/principal';
import { prefixedId } from '../../../common/ids';
import { SERVICE_ACCOUNT_KEY_ID_PREFIX } from '../service-account-ids';
import { keyExpiry } from '../service-account-rules';
import type { ServiceAccount } from '../service-account.entity';
import type { PublicKeyMaterial } from './key-material';
import type { KeyOrigin, ServiceAccountKey } from './service-account-key.entity';

/** The row of a new key of `account`: its public key only. */
export function newServiceAccountKey(
  account: Pick<ServiceAccount, 'id' | 'organizationId'>,
  material: PublicKeyMaterial,
  settings: { origin: KeyOrigin; caller: Principal; now: number; expiresInDays?: number },
): ServiceAccountKey {
  return {
    id: prefixedId(SERVICE_ACCOUNT_KEY_ID_PREFIX),
    serviceAccountId: account.id,
    organizationId: account.organizationId,
    algorithm: material.algorithm,
    publicJwk: JSON.stringify(material.jwk),
    origin: settings.origin,
    createdBy: `${settings.caller.type}:${settings.caller.subject}`,
    createdAt: new Date(settings.now),
    expiresAt: keyExpiry(settings.now, settings.expiresInDays),
    revokedAt: null,
    lastUsedAt: null,
  };
}

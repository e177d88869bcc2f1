import { CacheInvalidationRecord } from '../common/cluster/cache-invalidation-record.entity';
import { ApiKeyUsage } from '../modules/api-keys/api-key-usage.entity';
import { ApiKey } from '../modules/api-keys/api-key.entity';
import { LeakReportReceipt } from '../modules/api-keys/leaked/leak-report-receipt.entity';
import { AuditAnchor } from '../modules/audit/audit-anchor.entity';
import { AuditCheckpoint } from '../modules/audit/audit-checkpoint.entity';
import { AuditEvent } from '../modules/audit/audit-event.entity';
import { RefreshToken } from '../modules/auth/sessions/refresh-token.entity';
import { RevokedAccessToken } from '../modules/auth/sessions/revoked-access-token.entity';
import { Session } from '../modules/auth/sessions/session.entity';
import { BrowserSession } from '../modules/oauth/browser-sessions/browser-session.entity';
import { OAuthClient } from '../modules/oauth/storage/oauth-client.entity';
import { OAuthGrant } from '../modules/oauth/storage/oauth-grant.entity';
import { AuthorizationCode } from '../modules/oauth/storage/authorization-code.entity';
import { OAuthRefreshToken } from '../modules/oauth/storage/oauth-refresh-token.entity';
import { Membership } from '../modules/organizations/membership.entity';
import { Organization } from '../modules/organizations/organization.entity';
import { ServiceAccountKey } from '../modules/service-accounts/keys/service-account-key.entity';
import { ServiceAccount } from '../modules/service-accounts/service-account.entity';
import {
  SsoConnection,
  SsoConnectionDomain,
  SsoUserLink,
} from '../modules/sso/connections/sso-connection.entity';
import { SigningKey } from '../modules/tokens/signing-key.entity';
import { User } from '../modules/users/user.entity';

export const ENTITIES = [
  User,
  Organization,
  Membership,
  Session,
  RefreshToken,
  RevokedAccessToken,
  SigningKey,
  ApiKey,
  ApiKeyUsage,
  LeakReportReceipt,
  AuditEvent,
  AuditCheckpoint,
  AuditAnchor,
  CacheInvalidationRecord,
  OAuthClient,
  OAuthGrant,
  AuthorizationCode,
  OAuthRefreshToken,
  BrowserSession,
  ServiceAccount,
  ServiceAccountKey,
  SsoConnection,
  SsoConnectionDomain,
  SsoUserLink,
];

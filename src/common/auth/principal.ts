import type { Role } from '../../modules/organizations/roles';
import type { KeyEnvironment } from '../../modules/api-keys/api-key-format';
import type { RequestOrigin } from '../http/request-origin';

export type PrincipalType =
  'user' | 'api_key' | 'service_account' | 'oauth_client' | 'instance_admin';

/**
 * Who is calling, whatever the credential. Every authentication path (user JWT, API key, the
 * instance administrator token, later OAuth clients and service accounts) produces this one type.
 */
export interface Principal {
  type: PrincipalType;
  /** User id, API key id, service account id... */
  subject: string;
  /** The organization the request acts in (null only for a user token with no organization). */
  organizationId: string | null;
  /** Granted scopes; for a user, the scopes of the role in `organizationId`. */
  scopes: readonly string[];
  /** The user's role in `organizationId`; null for other principal types. */
  role: Role | null;
  /**
   * For an API key: the role it acts with, that of the user behind it now (`admin` for a key of
   * the instance administrator). Its scopes never exceed that role's, and it never grants or
   * changes a role above it.
   */
  ownerRole?: Role;
  /** Sandbox marker of API keys (`test`, `dev`); `live` otherwise. */
  environment: KeyEnvironment | null;
  expiresAt: Date | null;
  /** For user tokens: the login session and the token's `jti`, used by logout. */
  sessionId: string | null;
  tokenId: string | null;
  /** The session passed a second factor (the token's `amr` contains `otp`). */
  mfa: boolean;
  /**
   * The credential's own hourly request limit (an API key's `rate_limit_per_hour`); null when it
   * has none. Carried here so the rate limiter needs no second look-up of the credential.
   */
  rateLimitPerHour: number | null;
  /** The request it came with (set by the access guard), for the audit log. */
  origin?: RequestOrigin;
  /**
   * The cached, never-modified record this principal was built from (an API key's cache entry),
   * of which every field above `origin` is a function (`origin` is the request's own). Every
   * change to the credential replaces that record, so an answer made from those fields can be
   * kept per record (WeakMap) without going stale (the verify route does). Code that derives a
   * principal with any of them changed must leave this out. Absent when there is no such record.
   */
  cachedCredential?: object;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

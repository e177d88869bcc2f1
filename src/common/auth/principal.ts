import type { Role } from './roles';
import type { KeyEnvironment } from './environments';
import type { RequestOrigin } from '../http/request-origin';

/** What every caller has, whatever its credential. */
interface CallerBase {
  /** User id, API key id, ... */
  readonly subject: string;
  /** Granted scopes; for a user, those of its role in `organizationId`. */
  readonly scopes: readonly string[];
  readonly expiresAt: Date | null;
  /** The credential's own hourly request limit (an API key's); null when it has none. */
  readonly rateLimitPerHour: number | null;
  /** The request it came with (set by the access guard), for the audit log. */
  origin?: RequestOrigin;
}

/**
 * A person, acting in one organization with one role: signed in with their own access token, or
 * through an application they consented to (`delegatedTo`).
 */
export interface UserPrincipal extends CallerBase {
  readonly type: 'user';
  readonly organizationId: string;
  readonly role: Role;
  /** The login session, used by logout; null for a token the user delegated to an application. */
  readonly sessionId: string | null;
  /** The token's `jti`. */
  readonly tokenId: string;
  /** The session passed a second factor (the token's `amr` contains `otp`). */
  readonly mfa: boolean;
  /**
   * Set when an OAuth client acts for the user (a token of the authorization code grant). It may
   * do what the user's role allows AND the user consented to (`scopes` holds both), in the
   * grant's organization only, and none of the account's own routes (sessions, password, MFA).
   */
  readonly delegatedTo?: DelegatedAccess;
  /**
   * The cached verification of the user's own token this principal was made from: the same
   * object on every request while the token stays cached, so the verify route keeps its answer
   * against it (verify-route.ts). Absent for a principal made otherwise.
   */
  readonly verified?: object;
}

/** What an application acting for a user was given: by whom, under which grant. */
export interface DelegatedAccess {
  readonly clientId: string;
  /** The user's grant (consent) the token was issued under: ending it ends the token. */
  readonly grantId: string;
  /**
   * The OpenID Connect scopes of the token (`openid`, `profile`, `email`...): claims about the
   * user the application may read (userinfo), never access to /v1 routes.
   */
  readonly identityScopes: readonly string[];
}

/**
 * What one request spent of an API key's usage credits (Unkey's `remaining`): the balance left,
 * and which balance it came from, so a request refused after all (429, 403) can give it back.
 */
export interface SpentCredit {
  readonly remaining: number;
  /** The balance's id, its version and the refill period it was spent in (ApiKeyCredits). */
  readonly counterId: string;
  readonly version: number;
  readonly period: number;
}

/**
 * The cached record an API key's principal is made from (ApiKeyPrincipal.credential), replaced on
 * any change to the key or to the role it acts with. Nothing on it changes but `answer`, where the
 * verify route keeps the answer it made from it (a key without credits answers the same until the
 * record is replaced): kept on the record, not in a table beside it. undefined until the first
 * answer, null after it: only a key that comes back keeps its answer (see verify-route.ts).
 */
export interface CachedCredential {
  answer?: string | null;
}

/**
 * An API key as it acts now. Every field but `origin` and `credits` is a function of
 * `credential` (CachedCredential).
 */
export interface ApiKeyPrincipal extends CallerBase {
  readonly type: 'api_key';
  readonly organizationId: string;
  /**
   * The role of the user the key acts for (`admin` for a key of the instance administrator); null
   * for a key of a service account, which holds scopes, never a role.
   */
  readonly ownerRole: Role | null;
  /** Sandbox marker (`live`, `test`, `dev`). */
  readonly environment: KeyEnvironment;
  readonly credential: CachedCredential;
  /** What this request spent of the key's credits; null for a key without a limit. */
  readonly credits: SpentCredit | null;
}

/** The operator's token (TESSERA_ADMIN_TOKEN): every organization, named with X-Organization-ID. */
export interface InstanceAdminPrincipal extends CallerBase {
  readonly type: 'instance_admin';
  readonly organizationId: string | null;
}

/**
 * An OAuth client acting for itself (a `client_credentials` access token): the scopes its token
 * was issued with, in the organization that registered it.
 */
export interface OAuthClientPrincipal extends CallerBase {
  readonly type: 'oauth_client';
  readonly organizationId: string;
  /** The token's `jti`, for revocation. */
  readonly tokenId: string;
}

/**
 * A service account acting with an access token it got for itself (the JWT bearer grant, with an
 * assertion signed by one of its keys): the token's scopes within the account's current ones, in
 * the organization the account belongs to.
 */
export interface ServiceAccountPrincipal extends CallerBase {
  readonly type: 'service_account';
  readonly organizationId: string;
  /** The token's `jti`. */
  readonly tokenId: string;
}

/**
 * Who is calling. Code that treats the types differently switches on `type` exhaustively, so a
 * new type (OAuth clients, service accounts) must decide at each such place.
 */
export type Principal =
  | UserPrincipal
  | ApiKeyPrincipal
  | InstanceAdminPrincipal
  | OAuthClientPrincipal
  | ServiceAccountPrincipal;
export type PrincipalType = Principal['type'];

/** A user principal acting through an application the user consented to. */
export function isDelegated(
  principal: Principal,
): principal is UserPrincipal & { readonly delegatedTo: DelegatedAccess } {
  return principal.type === 'user' && principal.delegatedTo !== undefined;
}

/** The sandbox a request runs in: an API key's environment, `live` for every other caller. */
export function environmentOf(principal: Principal): KeyEnvironment {
  return principal.type === 'api_key' ? principal.environment : 'live';
}

/** Makes a `switch` over principal types exhaustive: a type with no case fails to compile. */
export function unhandledPrincipal(principal: never): never {
  throw new Error(`Unhandled principal type: ${(principal as Principal).type}`);
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

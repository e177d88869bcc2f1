import { Injectable, Logger } from '@nestjs/common';
import { hasScope } from '../../common/auth/scopes';
import {
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  OAuthError,
} from '../../common/errors/oauth-errors';
import type { RequestOrigin } from '../../common/http/request-origin';
import { Clock } from '../../common/time/clock';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditRecorder } from '../audit/audit-recorder.service';
import { countedKey } from '../audit/counted-events';
import {
  AssertionTokenRequest,
  GrantTypeProvider,
  SelfAuthenticatingGrantType,
  TokenAnswer,
} from '../oauth/grants/grant-type';
import { requestedScopes } from '../oauth/token/token-parameters';
import { AccessTokensService } from '../tokens/access-tokens.service';
import {
  readAssertion,
  remainingValidityMs,
  UnverifiedAssertion,
  verifyAssertion,
} from './assertions/assertion';
import { AssertionReplays } from './assertions/assertion-replays';
import { isServiceAccountId } from './service-account-ids';
import {
  keyStateOf,
  ServiceAccountKeyState,
  ServiceAccountsCache,
  ServiceAccountState,
} from './service-accounts.cache';
import { ServiceAccountsRepository } from './service-accounts.repository';
import { tokenUriOf } from './token-uri';

export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A key's last use is written at most this often (per instance): a pipeline may ask every minute. */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/**
 * `urn:ietf:params:oauth:grant-type:jwt-bearer` (RFC 7523 section 2.1) for service accounts: the
 * assertion names the account (`iss`) and its key (`kid`) and is the only authentication. Steps:
 * read it; find the account and the key; verify the signature and the claims; the key usable
 * and the account enabled; the scopes within the account's; the jti never seen; then an RFC 9068
 * access token for the account. Each refusal says which check failed, and once the account is
 * known it is audited (sampled) with that reason.
 */
@Injectable()
@GrantTypeProvider()
export class JwtBearerGrant implements SelfAuthenticatingGrantType {
  readonly grantType = JWT_BEARER_GRANT_TYPE;
  readonly parameters = ['assertion', 'scope'];
  readonly authenticatesItself = true;
  private readonly logger = new Logger(JwtBearerGrant.name);
  private readonly tokenUri: string;
  private readonly lastUseWritten = new Map<string, number>();

  constructor(
    private readonly accounts: ServiceAccountsCache,
    private readonly repository: ServiceAccountsRepository,
    private readonly replays: AssertionReplays,
    private readonly accessTokens: AccessTokensService,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {
    this.tokenUri = tokenUriOf(accessTokens.issuer);
  }

  async handler({ parameters, origin }: AssertionTokenRequest): Promise<TokenAnswer> {
    const assertion = readAssertion(parameters.assertion);
    if (parameters.client_id !== undefined && parameters.client_id !== assertion.issuer) {
      throw new InvalidRequest('client_id, when sent, must be the iss of the assertion');
    }
    const account = await this.accountOf(assertion);
    try {
      return await this.exchange(assertion, account, parameters.scope, origin);
    } catch (error) {
      if (error instanceof OAuthError) this.recordRefusal(account, assertion, error, origin);
      throw error;
    }
  }

  private async exchange(
    assertion: UnverifiedAssertion,
    account: ServiceAccountState,
    scope: string | undefined,
    origin: RequestOrigin,
  ): Promise<TokenAnswer> {
    const key = await this.keyOf(account, assertion.kid);
    const now = this.clock.now();
    const verified = await verifyAssertion(assertion, key, {
      clientId: account.id,
      tokenUri: this.tokenUri,
      issuer: this.accessTokens.issuer,
      now,
    });
    assertUsable(key, now);
    if (account.disabled) throw new InvalidClient('The service account is disabled');
    const scopes = grantedScopes(account, requestedScopes(scope));
    const ttl = remainingValidityMs(verified, now);
    if (!(await this.replays.firstUse(account.id, verified.jti, ttl, verified.iat))) {
      throw new InvalidGrant(
        'This assertion was used already: sign a new one (a new jti) each time',
      );
    }
    const issued = await this.accessTokens.issueOAuth({
      subject: account.id,
      clientId: account.id,
      organizationId: account.organizationId,
      scopes,
      keyId: key.id,
    });
    this.noteLastUse(key.id, now);
    // A pipeline's tokens are counted like a client's own (OAuthAuditTrail.tokenIssued).
    const granted = scopes.join(' ');
    this.audit.recordCounted(
      countedKey('service_account_key', key.id, granted, origin.ip, origin.userAgent),
      AUDIT_ACTIONS.oauthTokenIssued,
      () => ({
        organizationId: account.organizationId,
        actor: { type: 'service_account', id: account.id },
        origin,
        target: { type: 'service_account', id: account.id },
        metadata: { grant_type: this.grantType, scopes: granted, key_id: key.id },
      }),
    );
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: granted,
    };
  }

  /** The account the assertion's `iss` names. */
  private async accountOf(assertion: UnverifiedAssertion): Promise<ServiceAccountState> {
    const account = isServiceAccountId(assertion.issuer)
      ? await this.accounts.find(assertion.issuer)
      : null;
    if (!account) {
      throw new InvalidClient(
        'Unknown service account: iss must be the client_id of a service account',
      );
    }
    return account;
  }

  /**
   * The account's key the `kid` names. A revoked key is not cached with the account: it is read
   * so its signature is still checked before the assertion is refused for the revocation.
   */
  private async keyOf(account: ServiceAccountState, kid: string): Promise<ServiceAccountKeyState> {
    const cached = account.keys.get(kid);
    if (cached) return cached;
    const stored = await this.repository.findKeyOfAccount(account.id, kid);
    if (!stored)
      throw new InvalidGrant('The kid of the assertion names no key of this service account');
    return keyStateOf(stored);
  }

  /**
   * At most once a minute per key and instance (the list shows `last_used` to the minute), off
   * the request: a token is issued from cached state even while the database is unreachable, and
   * a write that fails then is only logged.
   */
  private noteLastUse(keyId: string, now: number): void {
    const written = this.lastUseWritten.get(keyId);
    if (written !== undefined && now - written < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUseWritten.set(keyId, now);
    if (this.lastUseWritten.size > 10_000) this.lastUseWritten.clear();
    this.repository
      .markKeyUsed(keyId, new Date(now))
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'Could not record a service account key’s last use'),
      );
  }

  /** Sampled per account and reason: anyone holding a client_id can produce refusals at will. */
  private recordRefusal(
    account: ServiceAccountState,
    assertion: UnverifiedAssertion,
    error: OAuthError,
    origin: RequestOrigin,
  ): void {
    this.audit.recordSampled(
      `jwt-bearer-refused:${account.id}:${error.description}`,
      AUDIT_ACTIONS.oauthTokenRefused,
      () => ({
        organizationId: account.organizationId,
        actor: { type: 'service_account', id: account.id },
        origin,
        outcome: 'failure',
        target: { type: 'service_account', id: account.id },
        metadata: {
          grant_type: this.grantType,
          error: error.error,
          reason: error.description,
          // Only a kid that names one of the account's keys: anything else is the caller's text.
          key_id: account.keys.has(assertion.kid) ? assertion.kid : null,
        },
      }),
    );
  }
}

function assertUsable(key: ServiceAccountKeyState, now: number): void {
  if (key.revokedAt !== null) {
    throw new InvalidGrant('The key that signed the assertion was revoked');
  }
  if (key.expiresAt <= now) {
    throw new InvalidGrant(
      `The key that signed the assertion expired at ${new Date(key.expiresAt).toISOString()}`,
    );
  }
}

/** The scopes asked for, each within the account's; all of the account's when none is named. */
function grantedScopes(account: ServiceAccountState, requested: string[] | undefined): string[] {
  if (requested === undefined) return [...account.scopes];
  const beyond = requested.filter((scope) => !hasScope(account.scopes, scope));
  if (beyond.length > 0) {
    throw new InvalidScope(`Not allowed for this service account: ${beyond.join(' ')}`);
  }
  return requested;
}

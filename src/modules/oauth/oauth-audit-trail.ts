import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import type { RequestOrigin } from '../../common/http/request-origin';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditRecord, AuditRecorder } from '../audit/audit-recorder.service';
import { countedKey } from '../audit/counted-events';
import type { OAuthClient } from './storage/oauth-client.entity';
import type { OAuthGrant } from './storage/oauth-grant.entity';

/** Why a grant ended (its codes, refresh tokens and access tokens with it). */
export type GrantEndReason =
  | 'revoked_by_user'
  | 'refresh_token_revoked'
  | 'authorization_code_reused'
  | 'refresh_token_reused';

/** Who ended a grant: the user (the grants API), or a client's request (revocation, a reuse). */
export type GrantEndedBy =
  { principal: Principal } | { client: OAuthClient; origin: RequestOrigin };

/**
 * The OAuth events of the audit log, in the organization of the client concerned. Never a token,
 * code or secret: grant types, scopes, error codes and ids only. Recorded off the request path
 * (the audit writer batches), so issuance does not wait for it.
 */
@Injectable()
export class OAuthAuditTrail {
  constructor(private readonly audit: AuditRecorder) {}

  /**
   * A token issued. A user's (a grant's) is one event each; a client's own (client_credentials)
   * is counted: one event per client, scopes and address a window, with `count` (CountedEvents).
   */
  tokenIssued(
    client: OAuthClient,
    detail: {
      grantType: string;
      scopes: readonly string[];
      origin: RequestOrigin;
      userId?: string;
      /** A refresh retried with its used token within REFRESH_TOKEN_RETRY_GRACE_SECONDS. */
      retry?: boolean;
    },
  ): void {
    const scopes = detail.scopes.join(' ');
    const event = (): AuditRecord => ({
      organizationId: client.organizationId,
      actor: { type: 'oauth_client', id: client.id },
      origin: detail.origin,
      target: detail.userId
        ? { type: 'user', id: detail.userId }
        : { type: 'oauth_client', id: client.id },
      // `count` as on a counted event: summed over the log, the counts are every token issued.
      metadata: {
        grant_type: detail.grantType,
        scopes,
        count: 1,
        ...(detail.retry ? { retry: true } : {}),
      },
    });
    if (detail.userId) {
      this.audit.record(AUDIT_ACTIONS.oauthTokenIssued, event());
      return;
    }
    const { ip, userAgent } = detail.origin;
    this.audit.recordCounted(
      countedKey('oauth_client', client.id, detail.grantType, scopes, ip, userAgent),
      AUDIT_ACTIONS.oauthTokenIssued,
      event,
    );
  }

  /**
   * A token request refused for a client that exists (an unknown one has no organization to log
   * it in). Sampled per client and error: anyone holding a client_id can produce these at will.
   */
  tokenRefused(
    client: OAuthClient,
    detail: { grantType: string | undefined; error: string; origin: RequestOrigin },
  ): void {
    this.audit.recordSampled(
      `oauth-refused:${client.id}:${detail.error}`,
      AUDIT_ACTIONS.oauthTokenRefused,
      () => ({
        organizationId: client.organizationId,
        actor: { type: 'oauth_client', id: client.id },
        origin: detail.origin,
        outcome: 'failure',
        target: { type: 'oauth_client', id: client.id },
        metadata: { grant_type: detail.grantType ?? null, error: detail.error },
      }),
    );
  }

  tokenRevoked(
    client: OAuthClient,
    detail: {
      tokenType: 'access_token' | 'refresh_token';
      origin: RequestOrigin;
      grantId?: string;
    },
  ): void {
    this.audit.record(AUDIT_ACTIONS.oauthTokenRevoked, {
      organizationId: client.organizationId,
      actor: { type: 'oauth_client', id: client.id },
      origin: detail.origin,
      target: detail.grantId
        ? { type: 'oauth_grant', id: detail.grantId }
        : { type: 'oauth_client', id: client.id },
      // Not `token_type`: the recorder drops every key that names a token, values and all.
      metadata: { kind: detail.tokenType },
    });
  }

  /**
   * A used authorization code or refresh token presented again: stolen or replayed, so its grant
   * was ended (RFC 9700 sections 4.2.4 and 4.14.2). Never sampled: each is one grant ended.
   */
  reuseDetected(
    client: OAuthClient,
    detail: {
      tokenType: 'authorization_code' | 'refresh_token';
      grantId: string;
      userId: string;
      origin: RequestOrigin;
    },
  ): void {
    this.audit.record(AUDIT_ACTIONS.oauthTokenReuseDetected, {
      organizationId: client.organizationId,
      actor: { type: 'oauth_client', id: client.id },
      origin: detail.origin,
      outcome: 'failure',
      target: { type: 'oauth_grant', id: detail.grantId },
      metadata: { kind: detail.tokenType, user_id: detail.userId, grant_ended: true },
    });
  }

  /**
   * A user let a client act for them in an organization (the consent page's Allow, or a
   * first-party client's silent grant), recorded in that organization: its data is what the
   * client may now reach. The scopes are this consent's; the grant holds them with any earlier.
   */
  consentGranted(
    client: OAuthClient,
    grant: OAuthGrant,
    detail: { scopes: readonly string[]; firstParty: boolean; origin: RequestOrigin },
  ): void {
    this.audit.record(AUDIT_ACTIONS.oauthConsentGranted, {
      organizationId: grant.organizationId,
      actor: { type: 'user', id: grant.userId },
      origin: detail.origin,
      target: { type: 'oauth_grant', id: grant.id },
      metadata: {
        client_id: client.id,
        scopes: detail.scopes.join(' '),
        first_party: detail.firstParty,
      },
    });
  }

  /**
   * A user answered Deny on the consent page: recorded in the organization the form had chosen
   * when the user belongs to it, else on the instance's chain (never in the client's
   * organization, which may be another tenant's).
   */
  consentDenied(
    client: OAuthClient,
    detail: {
      userId: string;
      organizationId: string | null;
      scopes: readonly string[];
      origin: RequestOrigin;
    },
  ): void {
    this.audit.record(AUDIT_ACTIONS.oauthConsentDenied, {
      organizationId: detail.organizationId,
      actor: { type: 'user', id: detail.userId },
      origin: detail.origin,
      outcome: 'denied',
      target: { type: 'oauth_client', id: client.id },
      metadata: { client_id: client.id, scopes: detail.scopes.join(' ') },
    });
  }

  /**
   * An authorization request of a known client refused (an error sent back to its redirect
   * URI, or a redirect URI it never registered), in the client's organization. Sampled per
   * client and error: anyone can make a browser send these.
   */
  authorizationRefused(
    client: OAuthClient,
    detail: { error: string; origin: RequestOrigin },
  ): void {
    this.audit.recordSampled(
      `oauth-authorize-refused:${client.id}:${detail.error}`,
      AUDIT_ACTIONS.oauthAuthorizationRefused,
      () => ({
        organizationId: client.organizationId,
        actor: { type: 'oauth_client', id: client.id },
        origin: detail.origin,
        outcome: 'failure',
        target: { type: 'oauth_client', id: client.id },
        metadata: { error: detail.error },
      }),
    );
  }

  grantEnded(grant: OAuthGrant, reason: GrantEndReason, by: GrantEndedBy): void {
    const common = {
      organizationId: grant.organizationId,
      target: { type: 'oauth_grant', id: grant.id },
      metadata: { reason, client_id: grant.clientId, user_id: grant.userId },
    };
    if ('principal' in by) {
      this.audit.record(AUDIT_ACTIONS.oauthGrantEnded, { ...common, by: by.principal });
    } else {
      this.audit.record(AUDIT_ACTIONS.oauthGrantEnded, {
        ...common,
        actor: { type: 'oauth_client', id: by.client.id },
        origin: by.origin,
      });
    }
  }
}

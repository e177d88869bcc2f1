import { Injectable } from '@nestjs/common';
import type { RequestOrigin } from '../../common/http/request-origin';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditRecorder } from '../audit/audit-recorder.service';
import type { OAuthClient } from './storage/oauth-client.entity';

/**
 * The OAuth events of the audit log, in the organization of the client concerned. Never a token,
 * code or secret: grant types, scopes, error codes and ids only. Recorded off the request path
 * (the audit writer batches), so issuance does not wait for it.
 */
@Injectable()
export class OAuthAuditTrail {
  constructor(private readonly audit: AuditRecorder) {}

  tokenIssued(
    client: OAuthClient,
    detail: {
      grantType: string;
      scopes: readonly string[];
      origin: RequestOrigin;
      userId?: string;
    },
  ): void {
    this.audit.record(AUDIT_ACTIONS.oauthTokenIssued, {
      organizationId: client.organizationId,
      actor: { type: 'oauth_client', id: client.id },
      origin: detail.origin,
      target: detail.userId
        ? { type: 'user', id: detail.userId }
        : { type: 'oauth_client', id: client.id },
      metadata: { grant_type: detail.grantType, scopes: detail.scopes.join(' ') },
    });
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
      {
        organizationId: client.organizationId,
        actor: { type: 'oauth_client', id: client.id },
        origin: detail.origin,
        outcome: 'failure',
        target: { type: 'oauth_client', id: client.id },
        metadata: { grant_type: detail.grantType ?? null, error: detail.error },
      },
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
      metadata: { token_type: detail.tokenType },
    });
  }
}

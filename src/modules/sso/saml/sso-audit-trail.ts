import { Injectable } from '@nestjs/common';
import type { RequestOrigin } from '../../../common/http/request-origin';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import type { SsoConnection } from '../connections/sso-connection.entity';
import type { SsoRefusal } from './sso-refusal';

/**
 * The SSO sign-ins in the audit log. A refusal is sampled (the first of each reason per
 * connection per minute, with the count of those left out), like refused OAuth tokens: anyone
 * can post made-up responses to an ACS at will. Never the response or assertion itself.
 */
@Injectable()
export class SsoAuditTrail {
  constructor(private readonly audit: AuditRecorder) {}

  signedIn(
    connection: SsoConnection,
    userId: string,
    detail: { email: string; role: string; provisioned: boolean; idpInitiated: boolean },
    origin: RequestOrigin,
  ): void {
    this.audit.record(AUDIT_ACTIONS.ssoLoginSucceeded, {
      organizationId: connection.organizationId,
      actor: { type: 'user', id: userId },
      origin,
      target: { type: 'sso_connection', id: connection.id },
      metadata: {
        email: detail.email,
        role: detail.role,
        provisioned: detail.provisioned,
        idp_initiated: detail.idpInitiated,
      },
    });
  }

  refused(connection: SsoConnection | null, refusal: SsoRefusal, origin: RequestOrigin): void {
    const connectionId = connection?.id ?? null;
    this.audit.recordSampled(
      `sso-refused:${connectionId ?? '-'}:${refusal.reason}`,
      AUDIT_ACTIONS.ssoLoginRefused,
      () => ({
        organizationId: connection?.organizationId ?? null,
        actor: { type: 'anonymous', id: null },
        origin,
        target: { type: 'sso_connection', id: connectionId },
        outcome: 'denied',
        metadata: { reason: refusal.reason, description: refusal.description },
      }),
    );
  }
}

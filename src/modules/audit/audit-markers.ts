import { prefixedId } from '../../common/ids';
import { AUDIT_ACTIONS } from './audit-actions';
import type { PendingAuditEvent } from './audit-writer';

/** An event of the writer's own, in the chain where `about` would have been. */
function systemEvent(
  about: PendingAuditEvent,
  action: string,
  metadata: object,
): PendingAuditEvent {
  return {
    id: prefixedId('evt'),
    chain: about.chain,
    occurredAt: about.occurredAt,
    organizationId: about.organizationId,
    actorType: 'system',
    actorId: null,
    actorIp: null,
    actorUserAgent: null,
    action,
    targetType: null,
    targetId: null,
    outcome: 'failure',
    requestId: null,
    metadata: JSON.stringify(metadata),
  };
}

/** The gap marker that takes the place of `first`, the first event dropped there. */
export function gapMarker(first: PendingAuditEvent): PendingAuditEvent {
  return systemEvent(first, AUDIT_ACTIONS.eventsDropped, {});
}

/**
 * What takes the place of an event the database refuses for its content: which event, what it
 * recorded, and why, so the gap is in the chain itself. Nothing of the event's own fields (one of
 * them is what the database refused).
 */
export function setAsideMarker(refused: PendingAuditEvent, errorCode: string): PendingAuditEvent {
  return systemEvent(refused, AUDIT_ACTIONS.eventSetAside, {
    set_aside_event_id: String(refused.id).slice(0, 40),
    set_aside_action: String(refused.action).slice(0, 60),
    error_code: errorCode,
  });
}

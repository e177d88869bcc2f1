import { fitToColumn, fitToNullableColumn } from '../../database/column-bounds';
import type { PendingAuditEvent } from './audit-writer';

/** The widths of audit_events' text columns, as the AuditLog migration made them. */
export const AUDIT_COLUMN = {
  id: 40,
  chain: 36,
  organizationId: 36,
  actorType: 20,
  actorId: 80,
  actorIp: 45,
  actorUserAgent: 300,
  action: 60,
  targetType: 30,
  targetId: 80,
  outcome: 10,
  requestId: 128,
} as const;

/** `metadata` is a TEXT column: 65,535 bytes on MySQL/MariaDB. */
export const AUDIT_METADATA_MAX_BYTES = 65_535;

/**
 * The event with every field fitted to its column, so the database never refuses it for its
 * content: strings cut to their width, an address too long to be one left out, metadata too
 * large for its column replaced by a note of its size. Ids, chain, action and outcome are Tessera's
 * own; they are fitted too, in case a caller passes something else.
 */
export function fittedToColumns(event: PendingAuditEvent): PendingAuditEvent {
  return {
    id: fitToColumn(event.id, AUDIT_COLUMN.id),
    chain: fitToColumn(event.chain, AUDIT_COLUMN.chain),
    occurredAt: event.occurredAt,
    organizationId: fitToNullableColumn(event.organizationId, AUDIT_COLUMN.organizationId),
    actorType: fitToColumn(event.actorType, AUDIT_COLUMN.actorType),
    actorId: fitToNullableColumn(event.actorId, AUDIT_COLUMN.actorId),
    // A cut address would name another host: no address rather than a wrong one.
    actorIp:
      event.actorIp !== null && event.actorIp.length <= AUDIT_COLUMN.actorIp ? event.actorIp : null,
    actorUserAgent: fitToNullableColumn(event.actorUserAgent, AUDIT_COLUMN.actorUserAgent),
    action: fitToColumn(event.action, AUDIT_COLUMN.action),
    targetType: fitToNullableColumn(event.targetType, AUDIT_COLUMN.targetType),
    targetId: fitToNullableColumn(event.targetId, AUDIT_COLUMN.targetId),
    outcome: fitToColumn(event.outcome, AUDIT_COLUMN.outcome),
    requestId: fitToNullableColumn(event.requestId, AUDIT_COLUMN.requestId),
    metadata: fittedMetadata(event.metadata),
  };
}

/** JSON.stringify escapes lone surrogates, so only the size can make metadata unstorable. */
function fittedMetadata(json: string): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8: most metadata is sized without being encoded.
  if (json.length * 3 <= AUDIT_METADATA_MAX_BYTES) return json;
  const bytes = Buffer.byteLength(json);
  if (bytes <= AUDIT_METADATA_MAX_BYTES) return json;
  return JSON.stringify({ metadata_truncated: true, original_bytes: bytes });
}

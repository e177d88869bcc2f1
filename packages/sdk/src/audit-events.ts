import type { components } from './generated/schema';

type AuditEvent = components['schemas']['AuditEventDto'];

/**
 * How many occurrences an audit event stands for: a machine's tokens within the audit window are
 * one event with `metadata.count` (Tessera's README, "Audit log"); every other event is one.
 */
export function auditEventCount(event: AuditEvent): number {
  const count = (event.metadata as { count?: unknown }).count;
  return typeof count === 'number' ? count : 1;
}

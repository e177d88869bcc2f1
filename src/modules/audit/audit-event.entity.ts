import { Column, Entity, Index } from 'typeorm';
import { TimeColumn } from '../../database/columns';
import { AUDIT_COLUMN } from './audit-columns';

/**
 * One security event. Append-only: nothing in the code updates a row, and only retention
 * pruning deletes, always a whole oldest prefix of a chain. `hash` covers the event's canonical
 * JSON including `prev_hash`, the hash of the event before it in the same chain (organization).
 */
@Entity('audit_events')
@Index('uq_audit_events_chain_seq', ['chain', 'seq'], { unique: true })
export class AuditEvent {
  @Column({ type: 'varchar', length: AUDIT_COLUMN.id, primary: true })
  id: string;

  /** The organization id, or `instance` for events that belong to no organization. */
  @Column({ type: 'varchar', length: AUDIT_COLUMN.chain })
  chain: string;

  @Column({ type: 'integer' })
  seq: number;

  @TimeColumn('occurred_at')
  occurredAt: Date;

  @Column({
    name: 'organization_id',
    type: 'varchar',
    length: AUDIT_COLUMN.organizationId,
    nullable: true,
  })
  organizationId: string | null;

  @Column({ name: 'actor_type', type: 'varchar', length: AUDIT_COLUMN.actorType })
  actorType: string;

  @Column({ name: 'actor_id', type: 'varchar', length: AUDIT_COLUMN.actorId, nullable: true })
  actorId: string | null;

  @Column({ name: 'actor_ip', type: 'varchar', length: AUDIT_COLUMN.actorIp, nullable: true })
  actorIp: string | null;

  @Column({
    name: 'actor_user_agent',
    type: 'varchar',
    length: AUDIT_COLUMN.actorUserAgent,
    nullable: true,
  })
  actorUserAgent: string | null;

  @Column({ type: 'varchar', length: AUDIT_COLUMN.action })
  action: string;

  @Column({ name: 'target_type', type: 'varchar', length: AUDIT_COLUMN.targetType, nullable: true })
  targetType: string | null;

  @Column({ name: 'target_id', type: 'varchar', length: AUDIT_COLUMN.targetId, nullable: true })
  targetId: string | null;

  @Column({ type: 'varchar', length: AUDIT_COLUMN.outcome })
  outcome: string;

  @Column({ name: 'request_id', type: 'varchar', length: AUDIT_COLUMN.requestId, nullable: true })
  requestId: string | null;

  /** JSON object. */
  @Column({ type: 'text' })
  metadata: string;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;
}

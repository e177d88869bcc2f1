import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../database/columns';

/**
 * Where a chain starts after retention pruned its oldest events: the last pruned event's seq and
 * hash, so `verify` checks the remaining events against it.
 */
@Entity('audit_checkpoints')
export class AuditCheckpoint {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  chain: string;

  @Column({ name: 'last_pruned_seq', type: 'integer' })
  lastPrunedSeq: number;

  @Column({ name: 'last_pruned_hash', type: 'varchar', length: 64 })
  lastPrunedHash: string;

  @TimeColumn('pruned_at')
  prunedAt: Date;
}

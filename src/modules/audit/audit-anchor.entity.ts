import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../database/columns';

/**
 * A chain's start and newest event under an HMAC keyed from the master key, written with the events
 * it covers: whoever can write the tables but not read the master key cannot delete the newest
 * events or recompute hashes unseen by `verify`. `anchored_at` is not under the HMAC.
 */
@Entity('audit_anchors')
export class AuditAnchor {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  chain: string;

  @Column({ name: 'start_seq', type: 'integer' })
  startSeq: number;

  @Column({ name: 'start_hash', type: 'varchar', length: 64 })
  startHash: string;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ type: 'varchar', length: 64 })
  hash: string;

  @Column({ type: 'varchar', length: 64 })
  hmac: string;

  @TimeColumn('anchored_at')
  anchoredAt: Date;
}

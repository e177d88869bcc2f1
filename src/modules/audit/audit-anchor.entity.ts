import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../database/columns';

/**
 * The signed head of a chain: where it starts (genesis, or retention's checkpoint) and its newest
 * event, under an HMAC keyed from the master key. Written in the same transaction as the events it
 * covers, so it always names the head; someone who can write the tables but not read the master
 * key can neither delete the newest events nor recompute hashes after an edit without `verify`
 * seeing the chain disagree with it. `anchored_at` is informational (not under the HMAC).
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

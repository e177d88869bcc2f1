import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../../database/columns';

/**
 * A signed leak report already acted on, by the SHA-256 of its exact bytes. GitHub's signature
 * carries no time or nonce, so a report captured once would otherwise be accepted again forever;
 * kept for good, as only a reporter's private key makes a new row (one per report it sends).
 */
@Entity('leak_report_receipts')
export class LeakReportReceipt {
  /** Hex SHA-256 of the report's body: the bytes the signature covers. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  digest: string;

  /** The key identifier the report was signed with. */
  @Column({ name: 'reporter_key_id', type: 'varchar', length: 200 })
  reporterKeyId: string;

  @TimeColumn('received_at')
  receivedAt: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { RefColumn } from '../../database/columns';

/**
 * One key's requests in one hour by outcome (served, rejected, failed by the server); written in
 * batches by ApiKeyUsageRecorder.
 */
@Entity('api_key_usage')
export class ApiKeyUsage {
  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 40 })
  keyId: string;

  @PrimaryColumn({ name: 'period_start', type: 'datetime', precision: 3 })
  periodStart: Date;

  @RefColumn('organization_id')
  organizationId: string;

  @Column({ type: 'integer', default: 0 })
  requests: number;

  @Column({ type: 'integer', default: 0 })
  rejected: number;

  /** Answered with a server error (5xx), e.g. 503 while the database was unavailable. */
  @Column({ type: 'integer', default: 0 })
  failed: number;
}

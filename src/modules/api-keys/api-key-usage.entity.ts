import { Column, Entity, PrimaryColumn } from 'typeorm';
import { RefColumn } from '../../database/columns';

/** Requests and rejections of one key in one hour; written in batches by ApiKeyUsageRecorder. */
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
}

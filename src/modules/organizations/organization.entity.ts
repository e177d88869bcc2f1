import { Column, Entity } from 'typeorm';
import { IdColumn, TimeColumn } from '../../database/columns';
import type { LeakedKeyPolicy } from './leaked-key-policy';
import { Plan } from './plans';

@Entity('organizations')
export class Organization {
  @IdColumn()
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 20 })
  plan: Plan;

  /** Only for the `enterprise` plan: its custom per-minute limit. */
  @Column({ name: 'rate_limit_per_minute', type: 'integer', nullable: true })
  customRateLimitPerMinute: number | null;

  /** What a leaked-key report does to the organization's keys (leaked-key-policy.ts). */
  @Column({ name: 'leaked_key_policy', type: 'varchar', length: 10, default: 'revoke' })
  leakedKeyPolicy: LeakedKeyPolicy;

  /** The organization made for a user at registration. */
  @Column({ type: 'boolean', default: false })
  personal: boolean;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('updated_at')
  updatedAt: Date;
}

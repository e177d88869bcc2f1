import { Entity, Index } from 'typeorm';
import { Column } from 'typeorm';
import { IdColumn, RefColumn, TimeColumn } from '../../database/columns';
import { Role } from './roles';

@Entity('memberships')
@Index('uq_memberships_org_user', ['organizationId', 'userId'], { unique: true })
export class Membership {
  @IdColumn()
  id: string;

  @RefColumn('organization_id')
  organizationId: string;

  @RefColumn('user_id')
  userId: string;

  @Column({ type: 'varchar', length: 20 })
  role: Role;

  @TimeColumn('created_at')
  createdAt: Date;
}

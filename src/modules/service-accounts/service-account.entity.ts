import { Column, Entity, Index } from 'typeorm';
import { RefColumn, TimeColumn } from '../../database/columns';

/**
 * A non-human identity of an organization (a CI/CD pipeline, a back-end job). It holds scopes,
 * never a role, and authenticates with assertions signed by one of its keys (ServiceAccountKey);
 * its id is its OAuth client_id.
 */
@Entity('service_accounts')
@Index('ix_service_accounts_org', ['organizationId', 'id'])
export class ServiceAccount {
  /** `sa_<uuidv7 hex>`; also the account's `client_id`. */
  @Column({ type: 'varchar', length: 36, primary: true })
  id: string;

  @RefColumn('organization_id')
  organizationId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 1000 })
  description: string;

  /** Space-separated: the most its tokens and API keys may carry. */
  @Column({ type: 'text' })
  scopes: string;

  /** Set while the account is disabled: no assertion, token or API key of it is accepted. */
  @TimeColumn('disabled_at', { nullable: true })
  disabledAt: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 80 })
  createdBy: string;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('updated_at')
  updatedAt: Date;
}

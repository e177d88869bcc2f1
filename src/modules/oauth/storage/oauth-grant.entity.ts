import { Column, Entity, Index } from 'typeorm';
import { IdColumn, RefColumn, TimeColumn } from '../../../database/columns';

/**
 * A user's consent to one client acting in one organization with some scopes, and the family of
 * codes, refresh tokens and access tokens issued under it. Deleting the row ends all of them:
 * access tokens carry its id (`gid`) and are refused once it is gone.
 */
@Entity('oauth_grants')
@Index('ux_oauth_grants_client_user_org', ['clientId', 'userId', 'organizationId'], {
  unique: true,
})
@Index('ix_oauth_grants_user', ['userId', 'id'])
export class OAuthGrant {
  @IdColumn()
  id: string;

  @Column({ name: 'client_id', type: 'varchar', length: 40 })
  clientId: string;

  @RefColumn('user_id')
  userId: string;

  @RefColumn('organization_id')
  organizationId: string;

  /** Space-separated scopes the user consented to. */
  @Column({ type: 'text' })
  scopes: string;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('last_used_at', { nullable: true })
  lastUsedAt: Date | null;
}

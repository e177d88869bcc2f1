import { Column, Entity, Index } from 'typeorm';
import { IdColumn, RefColumn, TimeColumn } from '../../../database/columns';

/**
 * One login: the family of refresh tokens that descend from it. Revoking the session (logout, or
 * reuse of an old refresh token) stops every refresh token and access token it issued.
 */
@Entity('sessions')
@Index('ix_sessions_user', ['userId'])
export class Session {
  @IdColumn()
  id: string;

  @RefColumn('user_id')
  userId: string;

  @RefColumn('organization_id')
  organizationId: string;

  /** Authentication methods passed at login (RFC 8176): `pwd`, plus `otp` after TOTP. */
  @Column({ type: 'varchar', length: 50 })
  amr: string;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('expires_at')
  expiresAt: Date;

  @TimeColumn('revoked_at', { nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 40, nullable: true })
  revokedReason: string | null;
}

import { Column, Entity, Index } from 'typeorm';
import { IdColumn, RefColumn, TimeColumn } from '../../../database/columns';

/**
 * One login: the family of refresh tokens that descend from it. Revoking the session (logout, or
 * reuse of an old refresh token) stops every refresh token and access token it issued.
 */
@Entity('sessions')
@Index('ix_sessions_user', ['userId'])
@Index('ix_sessions_oauth_grant', ['oauthGrantId'])
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

  /** The client address and user agent of the sign-in (not updated later). */
  @Column({ type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 300, nullable: true })
  userAgent: string | null;

  /**
   * The last refresh (or the sign-in). Not per request: access tokens are verified from a cache
   * on the hot path, and a write per request would undo that.
   */
  @TimeColumn('last_used_at', { nullable: true })
  lastUsedAt: Date | null;

  @TimeColumn('revoked_at', { nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 40, nullable: true })
  revokedReason: string | null;

  /**
   * A first-party client's session (the console's): the OAuth grant it came from, which ends it
   * when the grant ends. Null for every other sign-in.
   */
  @RefColumn('oauth_grant_id', { nullable: true })
  oauthGrantId: string | null;
}

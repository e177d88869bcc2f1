import { Column, Entity, Index } from 'typeorm';
import { IdColumn, RefColumn, TimeColumn } from '../../../database/columns';

/**
 * An OAuth refresh token, stored only as its SHA-256, good for one use: each use rotates it, and
 * presenting a used one again ends the whole grant (RFC 9700 section 4.14.2).
 */
@Entity('oauth_refresh_tokens')
@Index('ix_oauth_refresh_tokens_grant', ['grantId'])
export class OAuthRefreshToken {
  @IdColumn()
  id: string;

  @RefColumn('grant_id')
  grantId: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash: string;

  /** Space-separated scopes it refreshes (may narrow on a refresh, never widen). */
  @Column({ type: 'text' })
  scopes: string;

  @TimeColumn('auth_time')
  authTime: Date;

  @Column({ type: 'varchar', length: 50 })
  amr: string;

  @TimeColumn('created_at')
  createdAt: Date;

  /** The family's absolute end, carried over on rotation (OAUTH_REFRESH_TOKEN_MAX_DAYS). */
  @TimeColumn('expires_at')
  expiresAt: Date;

  @TimeColumn('used_at', { nullable: true })
  usedAt: Date | null;

  /**
   * The token its use made; null while unused, and for a successor retired unused because the
   * client retried with this token instead (REFRESH_TOKEN_RETRY_GRACE_SECONDS).
   */
  @RefColumn('replaced_by_id', { nullable: true })
  replacedById: string | null;
}

import { Column, Entity, Index } from 'typeorm';
import { IdColumn, RefColumn, TimeColumn } from '../../../database/columns';

/** A refresh token, stored only as its SHA-256. Each one is good for exactly one use. */
@Entity('refresh_tokens')
@Index('ix_refresh_tokens_session', ['sessionId'])
export class RefreshToken {
  @IdColumn()
  id: string;

  @RefColumn('session_id')
  sessionId: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash: string;

  @TimeColumn('created_at')
  createdAt: Date;

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

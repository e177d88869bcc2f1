import { Column, Entity, Index } from 'typeorm';
import { IdColumn, RefColumn, TimeColumn } from '../../../database/columns';

/**
 * A browser signed in on the hosted login page: its cookie holds an opaque token, stored here
 * only as its SHA-256. It stands on a login session (`sessionId`): revoking that session (logout,
 * logout-all, a password change, MFA turned on) ends the browser session too.
 */
@Entity('browser_sessions')
@Index('ix_browser_sessions_session', ['sessionId'])
export class BrowserSession {
  @IdColumn()
  id: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash: string;

  @RefColumn('user_id')
  userId: string;

  @RefColumn('session_id')
  sessionId: string;

  /** When the user proved who they are (OIDC `auth_time`). */
  @TimeColumn('auth_time')
  authTime: Date;

  /** Methods passed at sign-in (RFC 8176), space-separated: `pwd`, `pwd otp`. */
  @Column({ type: 'varchar', length: 50 })
  amr: string;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('expires_at')
  expiresAt: Date;

  /** Updated at most every few minutes (browser-sessions.service.ts), not per request. */
  @TimeColumn('last_seen_at')
  lastSeenAt: Date;
}

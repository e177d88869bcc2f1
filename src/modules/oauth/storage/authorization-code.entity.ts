import { Column, Entity, Index } from 'typeorm';
import { RefColumn, TimeColumn } from '../../../database/columns';

/**
 * An authorization code, stored only as its SHA-256: single use (`usedAt` is claimed by a guarded
 * update), short-lived, bound to its client, redirect URI and PKCE challenge.
 */
@Entity('oauth_authorization_codes')
@Index('ix_oauth_codes_grant', ['grantId'])
export class AuthorizationCode {
  @Column({ name: 'code_hash', type: 'varchar', length: 64, primary: true })
  codeHash: string;

  @RefColumn('grant_id')
  grantId: string;

  @Column({ name: 'client_id', type: 'varchar', length: 40 })
  clientId: string;

  @RefColumn('user_id')
  userId: string;

  @RefColumn('organization_id')
  organizationId: string;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri: string;

  /** Space-separated: what this code grants (⊆ the grant's consented scopes). */
  @Column({ type: 'text' })
  scopes: string;

  /** S256 challenge (base64url of a SHA-256): 43 characters. */
  @Column({ name: 'code_challenge', type: 'varchar', length: 128, nullable: true })
  codeChallenge: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  nonce: string | null;

  /** When the user authenticated, and how (RFC 8176 `amr`, space-separated). */
  @TimeColumn('auth_time')
  authTime: Date;

  @Column({ type: 'varchar', length: 50 })
  amr: string;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('expires_at')
  expiresAt: Date;

  @TimeColumn('used_at', { nullable: true })
  usedAt: Date | null;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../database/columns';

/**
 * An RS256 key pair. The private key is encrypted with the master key; the public JWK is served at
 * /.well-known/jwks.json while the key is active and, once retired, until tokens it signed expire.
 */
@Entity('signing_keys')
export class SigningKey {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid: string;

  @Column({ type: 'varchar', length: 10 })
  algorithm: string;

  @Column({ name: 'public_jwk', type: 'text' })
  publicJwk: string;

  @Column({ name: 'private_key', type: 'text' })
  privateKeyEncrypted: string;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('retired_at', { nullable: true })
  retiredAt: Date | null;

  /** For a retired key: when the last token it signed expires; then it leaves the JWKS. */
  @TimeColumn('verify_until', { nullable: true })
  verifyUntil: Date | null;
}

import { Column, Entity, Index } from 'typeorm';
import { RefColumn, TimeColumn } from '../../../database/columns';

/** The algorithms an account's assertions may be signed with, one per key. */
export const KEY_ALGORITHMS = ['RS256', 'ES256'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** `generated`: the server made the pair and handed the private key over once; `uploaded`: the owner's. */
export type KeyOrigin = 'generated' | 'uploaded';

/**
 * A public key of a service account. The private key is never stored: a generated one is in the
 * key file answered once, an uploaded one never left its owner. Deleted with its account.
 */
@Entity('service_account_keys')
@Index('ix_service_account_keys_account', ['serviceAccountId', 'id'])
export class ServiceAccountKey {
  /** `sak_<uuidv7 hex>`: the key file's `private_key_id`, the assertions' `kid`. */
  @Column({ type: 'varchar', length: 36, primary: true })
  id: string;

  @RefColumn('service_account_id')
  serviceAccountId: string;

  @RefColumn('organization_id')
  organizationId: string;

  @Column({ type: 'varchar', length: 10 })
  algorithm: KeyAlgorithm;

  /** The public key as a JWK (RFC 7517), as checked on creation. */
  @Column({ name: 'public_jwk', type: 'text' })
  publicJwk: string;

  @Column({ type: 'varchar', length: 10 })
  origin: KeyOrigin;

  @Column({ name: 'created_by', type: 'varchar', length: 80 })
  createdBy: string;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('expires_at')
  expiresAt: Date;

  @TimeColumn('revoked_at', { nullable: true })
  revokedAt: Date | null;

  @TimeColumn('last_used_at', { nullable: true })
  lastUsedAt: Date | null;
}

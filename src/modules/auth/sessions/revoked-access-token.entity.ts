import { Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../../database/columns';

/** Denylist of access tokens logged out before they expire, by `jti`; pruned after expiry. */
@Entity('revoked_access_tokens')
export class RevokedAccessToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  jti: string;

  @TimeColumn('expires_at')
  expiresAt: Date;
}

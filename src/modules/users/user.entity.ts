import { Column, Entity } from 'typeorm';
import { IdColumn, TimeColumn } from '../../database/columns';

@Entity('users')
export class User {
  @IdColumn()
  id: string;

  /** Always lower-cased before it is stored or looked up. */
  @Column({ type: 'varchar', length: 320, unique: true })
  email: string;

  @Column({ name: 'full_name', type: 'varchar', length: 200 })
  fullName: string;

  /** argon2id, PHC string. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  /** TOTP secret encrypted with the master key; set at enrolment, active once mfaEnabledAt is set. */
  @Column({ name: 'totp_secret', type: 'text', nullable: true })
  totpSecretEncrypted: string | null;

  @TimeColumn('mfa_enabled_at', { nullable: true })
  mfaEnabledAt: Date | null;

  /** Last accepted TOTP time step: a code is accepted once (RFC 6238 section 5.2). */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true })
  totpLastStep: string | null;

  @TimeColumn('created_at')
  createdAt: Date;
}

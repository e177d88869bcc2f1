import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

/**
 * What other modules may do with users. The repository stays inside this module, so the rules
 * about a user's row (one email, a TOTP step used once) have one home.
 */
@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(email);
  }

  findByIds(ids: string[]): Promise<User[]> {
    return this.users.findByIds(ids);
  }

  /** A new user; `manager` when it is part of a larger transaction (registration). */
  insert(user: User, manager?: EntityManager): Promise<void> {
    return this.users.insert(user, manager);
  }

  /** A TOTP secret awaiting its first code: MFA is off until `enableMfa`. */
  saveTotpSecret(id: string, totpSecretEncrypted: string): Promise<void> {
    return this.users.saveTotpSecret(id, totpSecretEncrypted);
  }

  updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    return this.users.updatePasswordHash(id, passwordHash);
  }

  enableMfa(id: string, step: number): Promise<void> {
    return this.users.enableMfa(id, step);
  }

  disableMfa(id: string): Promise<void> {
    return this.users.disableMfa(id);
  }

  /** True when `step` is newer than the last TOTP step used: a replayed code is refused. */
  consumeTotpStep(id: string, step: number): Promise<boolean> {
    return this.users.consumeTotpStep(id, step);
  }
}

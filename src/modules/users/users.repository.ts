import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { User } from './user.entity';

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: email.toLowerCase() });
  }

  findByIds(ids: string[]): Promise<User[]> {
    return ids.length ? this.users.findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  async insert(user: User, manager?: EntityManager): Promise<void> {
    await (manager ?? this.users.manager).insert(User, user);
  }

  async saveTotpSecret(id: string, totpSecretEncrypted: string): Promise<void> {
    await this.users.update(
      { id },
      { totpSecretEncrypted, mfaEnabledAt: null, totpLastStep: null },
    );
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users.update({ id }, { passwordHash });
  }

  async enableMfa(id: string, step: number): Promise<void> {
    await this.users.update({ id }, { mfaEnabledAt: new Date(), totpLastStep: String(step) });
  }

  /** MFA off: the secret is deleted, so turning it on again starts with a new one. */
  async disableMfa(id: string): Promise<void> {
    await this.users.update(
      { id },
      { totpSecretEncrypted: null, mfaEnabledAt: null, totpLastStep: null },
    );
  }

  /**
   * Records the TOTP time step just used, only if it is newer than the last one: the conditional
   * update makes a replayed code fail even when two logins race.
   */
  async consumeTotpStep(id: string, step: number): Promise<boolean> {
    const result = await this.users
      .createQueryBuilder()
      .update(User)
      .set({ totpLastStep: String(step) })
      .where('id = :id', { id })
      .andWhere('(totp_last_step IS NULL OR totp_last_step < :step)', { step })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}

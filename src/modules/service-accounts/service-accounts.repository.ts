import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { NotFoundError } from '../../common/errors/api-errors';
import { isSqlite, transactionAlone } from '../../database/transactions';
import { ServiceAccountKey } from './keys/service-account-key.entity';
import { ServiceAccount } from './service-account.entity';

/** What an update may change. */
export type ServiceAccountPatch = Partial<
  Pick<ServiceAccount, 'name' | 'description' | 'scopes' | 'disabledAt' | 'updatedAt'>
>;

interface Page {
  limit: number;
  startingAfter?: string;
}

/**
 * The only code that reads and writes `service_accounts` and `service_account_keys`. Every
 * method takes the organization, but the two the token endpoint uses: an assertion names its
 * account before any organization is known.
 */
@Injectable()
export class ServiceAccountsRepository {
  constructor(
    @InjectRepository(ServiceAccount) private readonly accounts: Repository<ServiceAccount>,
    @InjectRepository(ServiceAccountKey) private readonly keys: Repository<ServiceAccountKey>,
  ) {}

  /** A new account with its first key: both or neither. */
  insertWithKey(account: ServiceAccount, key: ServiceAccountKey): Promise<void> {
    return transactionAlone(this.accounts.manager, async (manager) => {
      await manager.insert(ServiceAccount, account);
      await manager.insert(ServiceAccountKey, key);
    });
  }

  /** By id alone, for the token endpoint and the token and key verifiers. */
  findById(id: string): Promise<ServiceAccount | null> {
    return this.accounts.findOneBy({ id });
  }

  findInOrganization(organizationId: string, id: string): Promise<ServiceAccount | null> {
    return this.accounts.findOneBy({ organizationId, id });
  }

  /** Newest first, `limit + 1` rows (the extra one tells whether there is a next page). */
  list(organizationId: string, page: Page): Promise<ServiceAccount[]> {
    const query = this.accounts
      .createQueryBuilder('a')
      .where('a.organization_id = :organizationId', { organizationId })
      .orderBy('a.id', 'DESC')
      .take(page.limit + 1);
    if (page.startingAfter) query.andWhere('a.id < :after', { after: page.startingAfter });
    return query.getMany();
  }

  async update(organizationId: string, id: string, patch: ServiceAccountPatch): Promise<void> {
    await this.accounts.update({ organizationId, id }, patch);
  }

  /** Deletes the account and its keys (ON DELETE CASCADE). False when it was gone already. */
  async delete(organizationId: string, id: string): Promise<boolean> {
    const result = await this.accounts.delete({ organizationId, id });
    return result.affected === 1;
  }

  /**
   * Inserts `key` once `assertRoom` accepts the account's count of active keys, counted under the
   * account row's lock (MySQL; on SQLite transactions take turns): concurrent uploads could
   * otherwise each count 9 and all insert.
   */
  insertKeyIfRoom(
    key: ServiceAccountKey,
    now: Date,
    assertRoom: (active: number) => void,
  ): Promise<void> {
    return transactionAlone(this.keys.manager, async (manager) => {
      const account = manager
        .createQueryBuilder(ServiceAccount, 'account')
        .select('account.id')
        .where('account.organizationId = :organizationId AND account.id = :id', {
          organizationId: key.organizationId,
          id: key.serviceAccountId,
        });
      if (!isSqlite(manager.connection)) account.setLock('pessimistic_write');
      // Deleted since the caller looked it up: the key would reference nothing.
      if (!(await account.getOne())) throw new NotFoundError('Service account not found');
      assertRoom(
        await manager.countBy(ServiceAccountKey, {
          serviceAccountId: key.serviceAccountId,
          revokedAt: IsNull(),
          expiresAt: MoreThan(now),
        }),
      );
      await manager.insert(ServiceAccountKey, key);
    });
  }

  /** Newest first, `limit + 1` rows. */
  listKeys(organizationId: string, accountId: string, page: Page): Promise<ServiceAccountKey[]> {
    const query = this.keys
      .createQueryBuilder('k')
      .where('k.organization_id = :organizationId', { organizationId })
      .andWhere('k.service_account_id = :accountId', { accountId })
      .orderBy('k.id', 'DESC')
      .take(page.limit + 1);
    if (page.startingAfter) query.andWhere('k.id < :after', { after: page.startingAfter });
    return query.getMany();
  }

  findKey(organizationId: string, accountId: string, keyId: string) {
    return this.keys.findOneBy({ organizationId, serviceAccountId: accountId, id: keyId });
  }

  /** For the token endpoint: a key the account's cached keys lack (a revoked one, or none). */
  findKeyOfAccount(accountId: string, keyId: string): Promise<ServiceAccountKey | null> {
    return this.keys.findOneBy({ serviceAccountId: accountId, id: keyId });
  }

  /** The keys an assertion may name: every key not revoked (expired ones are told apart later). */
  keysNotRevoked(accountId: string): Promise<ServiceAccountKey[]> {
    return this.keys.findBy({ serviceAccountId: accountId, revokedAt: IsNull() });
  }

  /** False when the key was revoked already. */
  async revokeKey(
    organizationId: string,
    accountId: string,
    keyId: string,
    at: Date,
  ): Promise<boolean> {
    const result = await this.keys.update(
      { organizationId, serviceAccountId: accountId, id: keyId, revokedAt: IsNull() },
      { revokedAt: at },
    );
    return result.affected === 1;
  }

  async markKeyUsed(keyId: string, at: Date): Promise<void> {
    await this.keys.update({ id: keyId }, { lastUsedAt: at });
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Between, Brackets, Repository } from 'typeorm';
import { ApiKeyUsage } from './api-key-usage.entity';
import { ApiKey } from './api-key.entity';
import type { KeyEnvironment } from './api-key-format';

export type ApiKeyStatus = 'active' | 'revoked' | 'expired';

export interface ApiKeyListFilter {
  limit: number;
  startingAfter?: string;
  environment?: KeyEnvironment;
  status?: ApiKeyStatus;
}

/** API keys and their usage. Every method but the hash look-up takes the organization id. */
@Injectable()
export class ApiKeysRepository {
  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @InjectRepository(ApiKeyUsage) private readonly usage: Repository<ApiKeyUsage>,
  ) {}

  async insert(key: ApiKey): Promise<void> {
    await this.keys.insert(key);
  }

  /** The authentication look-up: by keyed hash, across organizations. */
  findByHash(keyHash: string): Promise<ApiKey | null> {
    return this.keys.findOneBy({ keyHash });
  }

  findInOrganization(organizationId: string, id: string): Promise<ApiKey | null> {
    return this.keys.findOneBy({ organizationId, id });
  }

  /** Newest first, `limit + 1` rows (the extra one tells whether there is a next page). */
  list(organizationId: string, filter: ApiKeyListFilter): Promise<ApiKey[]> {
    const query = this.keys
      .createQueryBuilder('k')
      .where('k.organization_id = :organizationId', { organizationId })
      .orderBy('k.id', 'DESC')
      .take(filter.limit + 1);
    if (filter.startingAfter) query.andWhere('k.id < :after', { after: filter.startingAfter });
    if (filter.environment)
      query.andWhere('k.environment = :environment', { environment: filter.environment });
    const now = new Date();
    if (filter.status === 'revoked') query.andWhere('k.revoked_at IS NOT NULL');
    if (filter.status === 'expired') {
      query.andWhere('k.revoked_at IS NULL').andWhere('k.expires_at <= :now', { now });
    }
    if (filter.status === 'active') {
      query
        .andWhere('k.revoked_at IS NULL')
        .andWhere(
          new Brackets((q) =>
            q.where('k.expires_at IS NULL').orWhere('k.expires_at > :now', { now }),
          ),
        );
    }
    return query.getMany();
  }

  async update(
    organizationId: string,
    id: string,
    patch: Partial<
      Pick<
        ApiKey,
        'name' | 'scopes' | 'allowedIps' | 'rateLimitPerHour' | 'expiresAt' | 'revokedAt'
      >
    >,
  ): Promise<void> {
    await this.keys.update({ organizationId, id }, patch);
  }

  async recordLastUse(id: string, at: Date, ip: string): Promise<void> {
    await this.keys.update({ id }, { lastUsedAt: at, lastIp: ip });
  }

  /** Adds counts to a key's hour, creating the row the first time (portable across drivers). */
  async addUsage(row: ApiKeyUsage): Promise<void> {
    const where = { keyId: row.keyId, periodStart: row.periodStart };
    if (await this.incrementUsage(where, row)) return;
    try {
      await this.usage.insert(row);
    } catch {
      // Another instance created the hour's row first: add to it.
      await this.incrementUsage(where, row);
    }
  }

  listUsage(
    organizationId: string,
    keyId: string,
    since: Date,
    until: Date,
  ): Promise<ApiKeyUsage[]> {
    return this.usage.find({
      where: { organizationId, keyId, periodStart: Between(since, until) },
      order: { periodStart: 'ASC' },
    });
  }

  private async incrementUsage(
    where: { keyId: string; periodStart: Date },
    row: ApiKeyUsage,
  ): Promise<boolean> {
    const result = await this.usage
      .createQueryBuilder()
      .update(ApiKeyUsage)
      .set({
        requests: () => `requests + ${Number(row.requests)}`,
        rejected: () => `rejected + ${Number(row.rejected)}`,
      })
      .where({ keyId: where.keyId, periodStart: where.periodStart })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}

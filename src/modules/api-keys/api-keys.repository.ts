import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Between, Brackets, EntityManager, In, IsNull, Repository } from 'typeorm';
import { transactionAlone } from '../../database/transactions';
import { ApiKeyUsage } from './api-key-usage.entity';
import { ApiKey } from './api-key.entity';
import type { KeyEnvironment } from './api-key-format';

export type ApiKeyStatus = 'active' | 'revoked' | 'expired';

/** When and from where a key was last used (written with its usage). */
export interface ApiKeyLastUse {
  keyId: string;
  at: Date;
  ip: string;
}

export interface ApiKeyListFilter {
  limit: number;
  startingAfter?: string;
  environment?: KeyEnvironment;
  status?: ApiKeyStatus;
  serviceAccountId?: string;
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

  /**
   * A rotation: `old` is marked replaced (and set to expire) only if nothing replaced it yet, and
   * its replacement inserted, in one transaction. False when another rotation won.
   */
  replace(old: ApiKey, replacement: ApiKey, oldExpiresAt: Date): Promise<boolean> {
    return transactionAlone(this.keys.manager, async (manager) => {
      const claimed = await manager.update(
        ApiKey,
        { organizationId: old.organizationId, id: old.id, replacedBy: IsNull() },
        { replacedBy: replacement.id, expiresAt: oldExpiresAt },
      );
      if (claimed.affected !== 1) return false;
      await manager.insert(ApiKey, replacement);
      return true;
    });
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
    if (filter.serviceAccountId) {
      query.andWhere('k.service_account_id = :serviceAccountId', {
        serviceAccountId: filter.serviceAccountId,
      });
    }
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

  /** Revokes every live key of a service account (it is being deleted); how many. */
  async revokeAllOfServiceAccount(
    organizationId: string,
    serviceAccountId: string,
    at: Date,
  ): Promise<number> {
    const result = await this.keys.update(
      { organizationId, serviceAccountId, revokedAt: IsNull() },
      { revokedAt: at },
    );
    return result.affected ?? 0;
  }

  /**
   * One flush in one transaction, a few multi-row statements for the whole batch: 1,000 keys on
   * MariaDB 48-74 ms against 750-840 ms a statement each (docs/performance.md). Rows go in key
   * order so concurrent flushes lock alike; a key removed by hand is left out, as its row would
   * fail the foreign key and the whole batch every time.
   */
  async writeUsage(hours: ApiKeyUsage[], lastUses: ApiKeyLastUse[]): Promise<void> {
    const hoursInOrder = [...hours].sort(
      (a, b) => compare(a.keyId, b.keyId) || a.periodStart.getTime() - b.periodStart.getTime(),
    );
    const lastUsesInOrder = [...lastUses].sort((a, b) => compare(a.keyId, b.keyId));
    await transactionAlone(this.keys.manager, async (manager) => {
      for (const chunk of chunksOf(hoursInOrder)) {
        const known = await existingKeyIds(manager, chunk);
        const rows = chunk.filter((hour) => known.has(hour.keyId));
        if (rows.length > 0) await addUsage(manager, rows);
      }
      for (const chunk of chunksOf(lastUsesInOrder)) await setLastUses(manager, chunk);
    });
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
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rows per statement: 6 parameters each stays far below SQLite's and MySQL's limits. */
const ROWS_PER_STATEMENT = 500;

function chunksOf<T>(rows: T[]): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    chunks.push(rows.slice(i, i + ROWS_PER_STATEMENT));
  }
  return chunks;
}

/**
 * Converts values as TypeORM itself writes them to this entity's column (dates above all); the
 * column is looked up once, not per value.
 */
function columnWriter(
  manager: EntityManager,
  entity: typeof ApiKey | typeof ApiKeyUsage,
  property: string,
): (value: unknown) => unknown {
  const column = manager.connection.getMetadata(entity).findColumnWithPropertyName(property);
  if (!column) throw new Error(`No column for ${entity.name}.${property}`);
  return (value) => manager.connection.driver.preparePersistentValue(value, column);
}

/**
 * Adds counts to keys' hours, creating a row the first time: one multi-row upsert. The upsert is
 * the one piece of SQL that differs between the drivers; both add to the row another instance
 * may have written meanwhile. (MySQL 8.0.20+ deprecates VALUES() here but still runs it; MariaDB
 * knows no other form.)
 */
async function addUsage(manager: EntityManager, hours: ApiKeyUsage[]): Promise<void> {
  const e = (name: string) => manager.connection.driver.escape(name);
  const counted = ['requests', 'rejected', 'failed'];
  const columns = ['key_id', 'period_start', 'organization_id', ...counted];
  const periodStart = columnWriter(manager, ApiKeyUsage, 'periodStart');
  const parameters = hours.flatMap((hour) => [
    hour.keyId,
    periodStart(hour.periodStart),
    hour.organizationId,
    hour.requests,
    hour.rejected,
    hour.failed,
  ]);
  const add = (column: string, incoming: string) => `${e(column)} = ${e(column)} + ${incoming}`;
  const onConflict =
    manager.connection.driver.options.type === 'mysql'
      ? `ON DUPLICATE KEY UPDATE ${counted.map((c) => add(c, `VALUES(${e(c)})`)).join(', ')}`
      : `ON CONFLICT (${e('key_id')}, ${e('period_start')}) DO UPDATE SET ` +
        counted.map((c) => add(c, `excluded.${e(c)}`)).join(', ');
  await manager.query(
    `INSERT INTO ${e('api_key_usage')} (${columns.map(e).join(', ')}) VALUES ` +
      `${hours.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')} ${onConflict}`,
    parameters,
  );
}

/** The ids among these rows' keys that are in the table. */
async function existingKeyIds(manager: EntityManager, hours: ApiKeyUsage[]): Promise<Set<string>> {
  const ids = [...new Set(hours.map((hour) => hour.keyId))];
  const found = await manager
    .getRepository(ApiKey)
    .find({ select: { id: true }, where: { id: In(ids) } });
  return new Set(found.map((key) => key.id));
}

/**
 * Sets keys' last use: one UPDATE with a CASE per column (the same SQL on both drivers), never
 * backwards: another instance may have written a later use already. `last_ip` comes first because
 * MySQL evaluates assignments in order, the later ones seeing the earlier ones' new values;
 * SQLite reads the old values throughout. Both compare against the old `last_used_at` this way.
 */
async function setLastUses(manager: EntityManager, uses: ApiKeyLastUse[]): Promise<void> {
  const e = (name: string) => manager.connection.driver.escape(name);
  const later = `${e('last_used_at')} IS NULL OR ${e('last_used_at')} < ?`;
  const whenLater = (column: string) =>
    `CASE ${e('id')} ${uses.map(() => `WHEN ? THEN CASE WHEN ${later} THEN ? ELSE ${e(column)} END`).join(' ')} END`;
  const lastUsedAt = columnWriter(manager, ApiKey, 'lastUsedAt');
  const ats = uses.map((use) => lastUsedAt(use.at));
  await manager.query(
    `UPDATE ${e('api_keys')} SET ${e('last_ip')} = ${whenLater('last_ip')}, ` +
      `${e('last_used_at')} = ${whenLater('last_used_at')} ` +
      `WHERE ${e('id')} IN (${uses.map(() => '?').join(', ')})`,
    [
      ...uses.flatMap((use, i) => [use.keyId, ats[i], use.ip]),
      ...uses.flatMap((use, i) => [use.keyId, ats[i], ats[i]]),
      ...uses.map((use) => use.keyId),
    ],
  );
}

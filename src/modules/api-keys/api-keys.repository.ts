import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Between, Brackets, EntityManager, IsNull, Repository } from 'typeorm';
import { isSqlite, transactionAlone } from '../../database/transactions';
import { ApiKeyUsage } from './api-key-usage.entity';
import { ApiKey } from './api-key.entity';
import type { KeyEnvironment } from './api-key-format';
import type { CreditsSpent } from './credits/api-key-credits.recorder';
import type { StoredCredits } from './credits/key-credits';
import { NotFoundError } from '../../common/errors/api-errors';
import { KeyLookUpBatches } from './key-look-up-batches';

export type ApiKeyStatus = 'active' | 'revoked' | 'expired';

/** The columns a key's credits are stored in (all null: no limit). */
export type CreditsColumns = Pick<
  ApiKey,
  'remaining' | 'refillInterval' | 'refillAmount' | 'refillDay' | 'lastRefillAt'
>;

/** A key's credit columns: what verification reads of them, and a balance's update locks. */
const CREDIT_COLUMNS = [
  'remaining',
  'refillInterval',
  'refillAmount',
  'refillDay',
  'lastRefillAt',
  'creditsVersion',
  'creditsId',
] as const satisfies readonly (keyof StoredCredits)[];

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
  private verifiableLookUp?: VerifiableLookUp;

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

  /**
   * The authentication look-up: by keyed hash, across organizations, only the columns
   * verification reads. One indexed SELECT sent as it is (~12 us of CPU against ~92 us for
   * `findOneBy`, which builds its query and entity anew each time; issue #19), its values
   * converted by the driver as TypeORM converts an entity's (dates on both drivers).
   */
  findVerifiableByHash(keyHash: string): Promise<VerifiableApiKey | null> {
    return this.verifiableBatches.load(keyHash);
  }

  /** The keys with these hashes, by hash: one query (KeyLookUpBatches gathers them). */
  private async findVerifiableByHashes(
    keyHashes: string[],
  ): Promise<Map<string, VerifiableApiKey>> {
    const lookUp = (this.verifiableLookUp ??= verifiableLookUp(this.keys.manager));
    const rows = (await this.keys.manager.query(
      lookUp.sqlFor(keyHashes.length),
      keyHashes,
    )) as Record<string, unknown>[];
    const found = new Map<string, VerifiableApiKey>();
    for (const row of rows) found.set(lookUp.hashOf(row), lookUp.hydrate(row));
    return found;
  }

  private readonly verifiableBatches = new KeyLookUpBatches((keyHashes) =>
    this.findVerifiableByHashes(keyHashes),
  );

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

  /**
   * Sets a key's credits on every key sharing them (a rotation's pair), as a new balance: their
   * version is raised, so counts of the balance it replaces are never written over it. `creditsOf`
   * makes the credits from the balance's stored row and the new version while the row is locked
   * (MySQL: FOR UPDATE; SQLite: transactions take turns), so two updates of one balance take
   * turns too. Answers the version, the credits stored and the ids of the keys.
   */
  setCredits(
    organizationId: string,
    counterId: string,
    creditsOf: (stored: StoredCredits, version: number) => Promise<CreditsColumns>,
  ): Promise<{ version: number; credits: CreditsColumns; ids: string[] }> {
    return transactionAlone(this.keys.manager, async (manager) => {
      const query = manager
        .createQueryBuilder(ApiKey, 'key')
        .select(['id', ...CREDIT_COLUMNS].map((column) => `key.${column}`))
        .where('key.organizationId = :organizationId AND key.id = :counterId', {
          organizationId,
          counterId,
        });
      if (!isSqlite(manager.connection)) query.setLock('pessimistic_write');
      const stored = await query.getOne();
      if (stored === null) throw new NotFoundError('API key not found');
      const version = stored.creditsVersion + 1;
      const credits = await creditsOf(stored, version);
      // The balance's own key, then the keys sharing it, each by its index (see spendCredits).
      const sharing = [
        { organizationId, id: counterId },
        { organizationId, creditsId: counterId },
      ];
      const ids: string[] = [];
      for (const where of sharing) {
        await manager.update(ApiKey, where, { ...credits, creditsVersion: version });
        const keys = await manager.find(ApiKey, { select: { id: true }, where });
        ids.push(...keys.map((key) => key.id));
      }
      return { version, credits, ids };
    });
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
  async writeUsage(
    hours: ApiKeyUsage[],
    lastUses: ApiKeyLastUse[],
    creditsSpent: CreditsSpent[] = [],
  ): Promise<void> {
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
      await spendCredits(manager, creditsSpent);
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

/** What request-time verification reads of a key (ApiKeyVerifier). */
export type VerifiableApiKey = Pick<ApiKey, (typeof VERIFIABLE_COLUMNS)[number]>;

const VERIFIABLE_COLUMNS = [
  'id',
  'organizationId',
  'scopes',
  'environment',
  'expiresAt',
  'revokedAt',
  'rateLimitPerHour',
  'allowedIps',
  'serviceAccountId',
  'actsFor',
  ...CREDIT_COLUMNS,
] as const;

interface VerifiableLookUp {
  /** The SELECT of `count` keys by hash (`key_hash IN (...)`), made once per count. */
  sqlFor(count: number): string;
  /** The key hash a row was found by. */
  hashOf(row: Record<string, unknown>): string;
  hydrate(row: Record<string, unknown>): VerifiableApiKey;
}

/** The SELECT by hashes and the conversion of its rows, built once from the entity's metadata. */
function verifiableLookUp(manager: EntityManager): VerifiableLookUp {
  const { driver } = manager.connection;
  const metadata = manager.connection.getMetadata(ApiKey);
  const columns = VERIFIABLE_COLUMNS.map((property) => {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`No column for ApiKey.${property}`);
    return column;
  });
  const e = (name: string) => driver.escape(name);
  // key_hash is selected under an alias of its own, to tell the rows of a batch apart.
  const select =
    `SELECT ${columns.map((c) => e(c.databaseName)).join(', ')}, ${e('key_hash')} AS ` +
    `${e('looked_up_hash')} FROM ${e(metadata.tableName)} WHERE ${e('key_hash')}`;
  const sqlByCount = new Map<number, string>();
  return {
    sqlFor(count) {
      let sql = sqlByCount.get(count);
      if (sql === undefined) {
        sql =
          count === 1
            ? `${select} = ? LIMIT 1`
            : `${select} IN (${Array.from({ length: count }, () => '?').join(', ')})`;
        sqlByCount.set(count, sql);
      }
      return sql;
    },
    hashOf: (row) => String(row.looked_up_hash),
    hydrate(row) {
      const key: Record<string, unknown> = {};
      for (const column of columns) {
        key[column.propertyName] = driver.prepareHydratedValue(row[column.databaseName], column);
      }
      return key as VerifiableApiKey;
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rows per statement: 6 parameters each stays far below SQLite's and MySQL's limits. */
const ROWS_PER_STATEMENT = 500;

/**
 * Chunks of `size` rows, the rest in chunks of powers of two (300 rows: 256, 32, 8, 4): each row
 * count is another statement, which SQLite prepares and TypeORM keeps (100 statements, first in
 * first out), and a 500-row UPDATE of last uses is ~1.1 MB prepared. With a rest of any size, the
 * flushes of a busy instance kept dozens of them (issue #19); this way there are at most ten
 * row counts per statement.
 */
export function chunksOf<T>(rows: T[], size = ROWS_PER_STATEMENT): T[][] {
  const chunks: T[][] = [];
  let i = 0;
  for (; rows.length - i >= size; i += size) chunks.push(rows.slice(i, i + size));
  for (let part = 2 ** Math.floor(Math.log2(size)); i < rows.length; part /= 2) {
    if (rows.length - i >= part) {
      chunks.push(rows.slice(i, i + part));
      i += part;
    }
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

/**
 * The ids among these rows' keys that are in the table. One plain SELECT: TypeORM's find with In()
 * built a parameter per id, checking each against those before it, and made an entity of every
 * row: a cost every new key pays once, with its first usage row of the hour. The list is
 * padded to a power of two with its last id, so a flush prepares one of at most ten statements.
 */
async function existingKeyIds(manager: EntityManager, hours: ApiKeyUsage[]): Promise<Set<string>> {
  const ids = [...new Set(hours.map((hour) => hour.keyId))];
  if (ids.length === 0) return new Set();
  const padded = [...ids];
  while (padded.length & (padded.length - 1)) padded.push(ids[ids.length - 1]);
  const e = (name: string) => manager.connection.driver.escape(name);
  const rows = (await manager.query(
    `SELECT ${e('id')} FROM ${e('api_keys')} WHERE ${e('id')} IN (${padded.map(() => '?').join(', ')})`,
    padded,
  )) as { id: string }[];
  return new Set(rows.map((row) => row.id));
}

/**
 * Sets keys' last use, never backwards: another instance may have written a later use already.
 * On MySQL one UPDATE with a CASE per column. `last_ip` comes first because MySQL evaluates
 * assignments in order, the later ones seeing the earlier ones' new values; both compare against
 * the old `last_used_at` this way.
 */
async function setLastUses(manager: EntityManager, uses: ApiKeyLastUse[]): Promise<void> {
  if (isSqlite(manager.connection)) return setLastUsesOnSqlite(manager, uses);
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

/**
 * SQLite runs its statements on the event loop (better-sqlite3 is synchronous). There the CASE
 * form matched every row against every WHEN (500 x 500 comparisons a statement, 3-7 ms each): a
 * flush after a burst of new keys held the loop for 264 ms. Joined to its values by primary key
 * instead (UPDATE ... FROM, SQLite 3.33+), each row is one look-up.
 */
async function setLastUsesOnSqlite(manager: EntityManager, uses: ApiKeyLastUse[]): Promise<void> {
  const e = (name: string) => manager.connection.driver.escape(name);
  const keys = e('api_keys');
  const lastUsedAt = columnWriter(manager, ApiKey, 'lastUsedAt');
  await manager.query(
    `UPDATE ${keys} SET ${e('last_ip')} = v.column3, ${e('last_used_at')} = v.column2 ` +
      `FROM (VALUES ${uses.map(() => '(?, ?, ?)').join(', ')}) AS v ` +
      `WHERE ${keys}.${e('id')} = v.column1 AND ` +
      `(${keys}.${e('last_used_at')} IS NULL OR ${keys}.${e('last_used_at')} < v.column2)`,
    uses.flatMap((use) => [use.keyId, lastUsedAt(use.at), use.ip]),
  );
}

/**
 * Credits spent since the last write, in two multi-row UPDATEs per round (the same SQL on both
 * drivers): the balance's own key (`id`), then the keys sharing it (`credits_id`, a rotation's
 * replacement), each by its index: an `OR` of the two would scan, and on MariaDB lock, the table.
 * A delta of the stored balance (same version, set-at no later than the delta's) is taken from
 * it; one of a refill the database has not recorded yet (a later set-at) from the refill's
 * amount, the refill then recorded; one of a balance since replaced (another version, a later
 * refill) changes nothing. Never below 0. A balance with several deltas (across a refill or an
 * update) has one in each round, oldest first. `remaining` is assigned first: MySQL evaluates
 * assignments in order, each later one seeing the earlier ones' new values, so both compare the
 * old `last_refill_at`.
 */
async function spendCredits(manager: EntityManager, batch: CreditsSpent[]): Promise<void> {
  const rounds: CreditsSpent[][] = [];
  const sorted = [...batch].sort(
    (a, b) => compare(a.counterId, b.counterId) || a.version - b.version || a.setAt - b.setAt,
  );
  let previous: string | undefined;
  let round = 0;
  for (const row of sorted) {
    round = row.counterId === previous ? round + 1 : 0;
    previous = row.counterId;
    (rounds[round] ??= []).push(row);
  }
  for (const rows of rounds) {
    for (const chunk of chunksOf(rows, CREDIT_ROWS_PER_STATEMENT)) {
      await applyCreditsSpent(manager, chunk, 'id');
      await applyCreditsSpent(manager, chunk, 'credits_id');
    }
  }
}

/** Rows per statement: 13 parameters each. */
const CREDIT_ROWS_PER_STATEMENT = 100;

/** One round's deltas (one per balance) on the keys whose `by` column names the balance. */
async function applyCreditsSpent(
  manager: EntityManager,
  rows: CreditsSpent[],
  by: 'id' | 'credits_id',
): Promise<void> {
  const e = (name: string) => manager.connection.driver.escape(name);
  const lastRefillAt = columnWriter(manager, ApiKey, 'lastRefillAt');
  const [key, remaining, amount, setAt, version] = [
    e(by),
    e('remaining'),
    e('refill_amount'),
    e('last_refill_at'),
    e('credits_version'),
  ];
  const less = (value: string) => `CASE WHEN ${value} > ? THEN ${value} - ? ELSE 0 END`;
  const refilled = `${setAt} < ? AND ${amount} IS NOT NULL`;
  const newRemaining =
    `WHEN ? THEN CASE WHEN ${version} = ? AND ${setAt} <= ? THEN CASE WHEN ${refilled} ` +
    `THEN ${less(amount)} ELSE ${less(remaining)} END ELSE ${remaining} END`;
  const newSetAt = `WHEN ? THEN CASE WHEN ${version} = ? AND ${refilled} THEN ? ELSE ${setAt} END`;
  const ats = rows.map((row) => lastRefillAt(new Date(row.setAt)));
  await manager.query(
    `UPDATE ${e('api_keys')} SET ` +
      `${remaining} = CASE ${key} ${rows.map(() => newRemaining).join(' ')} ELSE ${remaining} END, ` +
      `${setAt} = CASE ${key} ${rows.map(() => newSetAt).join(' ')} ELSE ${setAt} END ` +
      `WHERE ${key} IN (${rows.map(() => '?').join(', ')}) AND ${remaining} IS NOT NULL`,
    [
      ...rows.flatMap((row, i) => {
        const n = row.spent;
        return [row.counterId, row.version, ats[i], ats[i], n, n, n, n];
      }),
      ...rows.flatMap((row, i) => [row.counterId, row.version, ats[i], ats[i]]),
      ...rows.map((row) => row.counterId),
    ],
  );
}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { BoundedMysqlDriver } from './bounded-mysql-driver';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { withQueryTimeout } from './query-timeout';

export interface DatabaseSettings {
  /** mysql://… for MySQL/MariaDB; undefined for the embedded SQLite file. */
  url?: string;
  sqlitePath: string;
  migrationsRun: boolean;
  /**
   * DB_TIMEOUT_MS: the bound of every wait for the database (see BoundedMysqlDriver), and the
   * SQLite busy timeout. Unset (the migration CLI, test setup): MySQL waits as long as it takes.
   */
  timeoutMs?: number;
}

/**
 * SQLite's page cache, in KiB: SQLite's own default. better-sqlite3 builds SQLite with 16 MB,
 * which a database of 100,000 keys filled as their look-ups came (~+20 MB of RSS with the
 * allocator's slack, issue #19); pages it no longer holds are read again from the OS's page cache.
 */
const SQLITE_PAGE_CACHE_KIB = 2000;

/** SQLite's busy timeout when no bound is given: a migration run beside the app waits its turn. */
const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * The one set of DataSource options, shared by the app (TypeOrmModule) and ormconfig.ts (the
 * migration CLI). Schema changes only ever come from migrations: `synchronize` stays off.
 */
export function buildDataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: settings.migrationsRun,
    synchronize: false,
    logging: false,
  } as const;

  if (settings.url) {
    return {
      ...common,
      type: 'mysql',
      url: settings.url.replace(/^mariadb:/, 'mysql:'),
      // Store and read DATETIMEs as UTC whatever the server's time zone.
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
      extra: { connectionLimit: 10 },
      ...(settings.timeoutMs === undefined
        ? {}
        : { driver: new BoundedMysqlDriver(settings.timeoutMs) }),
    };
  }

  if (settings.sqlitePath !== ':memory:') {
    mkdirSync(dirname(settings.sqlitePath), { recursive: true });
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: settings.sqlitePath,
    // The busy timeout queues writers behind another process's write (a migration run, a key
    // rotation), for at most this long; better-sqlite3 is synchronous, so it holds every request.
    timeout: settings.timeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
    // WAL lets readers proceed while a write is in flight.
    prepareDatabase: (db: { pragma(statement: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma(`cache_size = -${SQLITE_PAGE_CACHE_KIB}`);
    },
  };
}

/** The app's DataSource, opened; the migrations it runs (DB_MIGRATIONS_RUN) may take minutes. */
export function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  return withQueryTimeout(null, () => new DataSource(options).initialize());
}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DatabaseSettings {
  /** mysql://… for MySQL/MariaDB; undefined for the embedded SQLite file. */
  url?: string;
  sqlitePath: string;
  migrationsRun: boolean;
}

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
    };
  }

  if (settings.sqlitePath !== ':memory:') {
    mkdirSync(dirname(settings.sqlitePath), { recursive: true });
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: settings.sqlitePath,
    // WAL lets readers proceed while a write is in flight; the busy timeout queues writers.
    prepareDatabase: (db: { pragma(statement: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
  };
}

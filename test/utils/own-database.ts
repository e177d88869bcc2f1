import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { migrateDatabase } from './migrations';
import { testDatabaseUrl } from './test-env';

/** A database one suite has to itself: what its apps are started with, and how to remove it. */
export interface OwnDatabase {
  /** For createTestApp or twoInstances: every app started with these shares the database. */
  env: Record<string, string>;
  /** Drops it, once every app on it is closed (nothing to do on SQLite). */
  drop(): Promise<void>;
}

/**
 * A migrated database for one suite alone: on MariaDB/MySQL a new one on TEST_DATABASE_URL's
 * server, else a SQLite file of its own (as every app has anyway). On MariaDB every other suite
 * shares one database and runs meanwhile, so a suite needs this when what it does reaches rows
 * that are not its own: deleting by date across a table (retention, pruning), rotating the
 * signing key, scratch tables in the schema, or an app clock days ahead (the OAuth pruning job
 * every app runs soon after it starts deletes codes and refresh tokens by that clock).
 */
export async function ownDatabase(): Promise<OwnDatabase> {
  const shared = testDatabaseUrl();
  if (!shared) {
    const sqlitePath = join(mkdtempSync(join(tmpdir(), 'tessera-own-')), 'own.sqlite');
    return { env: { SQLITE_PATH: sqlitePath }, drop: async () => undefined };
  }
  const url = new URL(shared.replace(/^mariadb:/, 'mysql:'));
  const name = `${url.pathname.slice(1)}_own_${randomBytes(4).toString('hex')}`;
  await onServer(shared, `CREATE DATABASE \`${name}\``);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  return {
    env: { DATABASE_URL: url.toString() },
    drop: () => onServer(shared, `DROP DATABASE IF EXISTS \`${name}\``),
  };
}

/** One statement on the server of `url`, on a connection of its own. */
async function onServer(url: string, sql: string): Promise<void> {
  const connection = await createConnection(url.replace(/^mariadb:/, 'mysql:'));
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { migrateDatabase } from './migrations';
import { testDatabaseUrl } from './test-env';

/**
 * The suites that need a database of their own, one each. On MariaDB every other suite shares
 * one database and runs meanwhile, so a suite needs one when what it does reaches rows that are
 * not its own: deleting by date across a table (retention, pruning), rotating the signing key,
 * scratch tables in the schema, or an app clock days ahead (the OAuth pruning job every app runs
 * soon after it starts deletes codes and refresh tokens by that clock).
 */
export const OWN_DATABASES = [
  'api_key_credits',
  'audit_log',
  'auth',
  'cache_invalidation_log',
  'ids',
  'oauth_authorization_code',
  'service_accounts',
] as const;

export type OwnDatabaseName = (typeof OWN_DATABASES)[number];

/**
 * Settings that put an app (or every app of a suite: twoInstances) on the suite's own database:
 * on MariaDB/MySQL `<TEST_DATABASE_URL's database>_own_<name>`, which the e2e global setup made
 * and migrated before the suites ran (making one here, among the suites' load, took long enough
 * to time a hook out, and crashed MariaDB 10.11 once in its information_schema queries); on
 * SQLite a file of its own for each call.
 */
export function ownDatabase(name: OwnDatabaseName): Record<string, string> {
  const shared = testDatabaseUrl();
  if (!shared) {
    return { SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'tessera-own-')), `${name}.sqlite`) };
  }
  return { DATABASE_URL: ownDatabaseUrl(shared, name) };
}

/** For the e2e global setup: every suite's own database made afresh and migrated, one by one. */
export async function prepareOwnDatabases(sharedUrl: string): Promise<void> {
  const connection = await createConnection(sharedUrl.replace(/^mariadb:/, 'mysql:'));
  try {
    for (const name of OWN_DATABASES) {
      const database = new URL(ownDatabaseUrl(sharedUrl, name)).pathname.slice(1);
      await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await connection.query(`CREATE DATABASE \`${database}\``);
      await migrateDatabase(ownDatabaseUrl(sharedUrl, name));
    }
  } finally {
    await connection.end();
  }
}

function ownDatabaseUrl(sharedUrl: string, name: OwnDatabaseName): string {
  const url = new URL(sharedUrl.replace(/^mariadb:/, 'mysql:'));
  url.pathname = `${url.pathname}_own_${name}`;
  return url.toString();
}

import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { checkMariaDbServerForTests } from './mariadb-server';
import { prepareOwnDatabases } from './own-database';
import { checkRedisForTests } from './redis';
import { testDatabaseUrl } from './test-env';

/**
 * Before the suites (which run in parallel workers): find out whether Redis is there and whether
 * a disposable MariaDB can be started, and, for a MariaDB/MySQL run, start from an empty schema
 * and apply the migrations once, then make the databases of the suites that need their own.
 */
export default async function globalSetup(): Promise<void> {
  await checkRedisForTests();
  checkMariaDbServerForTests();
  const url = testDatabaseUrl();
  if (!url) return;
  const dataSource = new DataSource(
    buildDataSourceOptions({ url, sqlitePath: '', migrationsRun: false }),
  );
  await dataSource.initialize();
  const tables: { name: string }[] = await dataSource.query(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
  );
  await dataSource.query('SET FOREIGN_KEY_CHECKS = 0');
  for (const { name } of tables) await dataSource.query(`DROP TABLE \`${name}\``);
  await dataSource.query('SET FOREIGN_KEY_CHECKS = 1');
  await dataSource.runMigrations();
  await dataSource.destroy();
  await prepareOwnDatabases(url);
}

import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source';

/** Applies Tessera's migrations to the MariaDB/MySQL database at `url`, as `npm run migration:run`. */
export async function migrateDatabase(url: string): Promise<void> {
  const dataSource = new DataSource(
    buildDataSourceOptions({ url, sqlitePath: '', migrationsRun: false }),
  );
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
}

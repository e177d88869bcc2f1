import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';

/** The database's schema is behind the code: an operator command does not run against it. */
export class PendingMigrationsError extends Error {
  constructor(readonly pending: readonly string[]) {
    super(
      `The database is missing ${pending.length} migration(s): ${pending.join(', ')}. ` +
        'Run `npm run migration:run` (or start the service with DB_MIGRATIONS_RUN=true) first; ' +
        'operator commands never change the schema.',
    );
    this.name = PendingMigrationsError.name;
  }
}

/**
 * Opens the database for an operator command, checking without changing anything that every
 * migration has run: a command against an older schema would fail halfway, or write rows the
 * running service does not expect.
 */
export async function openMigratedDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource({ ...options, migrationsRun: false });
  await dataSource.initialize();
  try {
    const pending = await new MigrationExecutor(dataSource).getPendingMigrations();
    if (pending.length > 0) throw new PendingMigrationsError(pending.map((m) => m.name));
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

import type { DataSource, EntityManager } from 'typeorm';

const turns = new WeakMap<DataSource, Promise<unknown>>();

/**
 * `manager.transaction(work)`, alone on SQLite. TypeORM runs every SQLite query on one
 * connection, so two transactions in flight at once nest there (the second becomes a savepoint of
 * the first) and commit or roll back each other's work; on SQLite they take turns. MySQL gives
 * each transaction a connection of its own.
 */
export function transactionAlone<T>(
  manager: EntityManager,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const dataSource = manager.connection;
  if (!isSqlite(dataSource)) return manager.transaction(work);
  const previous = turns.get(dataSource) ?? Promise.resolve();
  const run = previous.then(() => manager.transaction(work));
  turns.set(
    dataSource,
    run.catch(() => undefined),
  );
  return run;
}

export function isSqlite(dataSource: DataSource): boolean {
  return dataSource.options.type === 'better-sqlite3';
}

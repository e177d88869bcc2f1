import type { DataSource } from 'typeorm';

/**
 * Runs `work` while the database refuses every row inserted into `table` (a trigger, on SQLite
 * and MySQL/MariaDB alike): a write failing part way, as a full disk, a constraint or a lost
 * connection would make it fail. The trigger is dropped afterwards, whatever `work` did.
 */
export async function withInsertsRefused<T>(
  dataSource: DataSource,
  table: string,
  work: () => Promise<T>,
): Promise<T> {
  const trigger = `refuse_${table}`;
  const mysql = dataSource.options.type !== 'better-sqlite3';
  await dataSource.query(
    mysql
      ? `CREATE TRIGGER ${trigger} BEFORE INSERT ON ${table} FOR EACH ROW
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'`
      : `CREATE TRIGGER ${trigger} BEFORE INSERT ON ${table}
         BEGIN SELECT RAISE(ABORT, 'refused'); END`,
  );
  try {
    return await work();
  } finally {
    await dataSource.query(`DROP TRIGGER ${trigger}`);
  }
}

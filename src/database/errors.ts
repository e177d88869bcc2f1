/**
 * A write refused by a unique index, on either driver: MySQL/MariaDB's ER_DUP_ENTRY or SQLite's
 * UNIQUE / PRIMARY KEY constraint. Other constraint failures (NOT NULL, FOREIGN KEY, CHECK) are
 * bugs, not races, and must not be taken for one.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  const reported = driverError?.code ?? code;
  return (
    reported === 'ER_DUP_ENTRY' ||
    reported === 'SQLITE_CONSTRAINT_UNIQUE' ||
    reported === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

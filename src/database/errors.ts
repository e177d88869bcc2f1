/**
 * The database did not answer within DB_TIMEOUT_MS: no free connection, no handshake or no
 * result. Its code is ETIMEDOUT, the one Node and mysql2 give a connection attempt that timed
 * out, so whatever tells "the database cannot be reached" from "this request is wrong" (the
 * exception filter's 503) takes it for that; the code also survives mysql2's promise wrapper,
 * which copies a driver error's code onto an error of its own.
 */
export class DatabaseTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(waitedFor: 'a connection' | 'a query result', timeoutMs: number) {
    super(`The database gave no ${waitedFor} within ${timeoutMs} ms`);
    this.name = 'DatabaseTimeoutError';
  }
}

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

/**
 * A write refused because the row it references is gone (a foreign key): MySQL/MariaDB's
 * ER_NO_REFERENCED_ROW(_2) or SQLITE_CONSTRAINT_FOREIGNKEY. For writes that race the deletion of
 * their parent (a refresh token issued as its grant ends), not for bugs.
 */
export function isMissingReference(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  const reported = driverError?.code ?? code;
  return (
    reported === 'ER_NO_REFERENCED_ROW_2' ||
    reported === 'ER_NO_REFERENCED_ROW' ||
    reported === 'SQLITE_CONSTRAINT_FOREIGNKEY'
  );
}

/**
 * MySQL/MariaDB errors about the row itself: a value too long, out of range, in a character set
 * the column cannot hold, or NULL in a NOT NULL column. The same row fails the same way on every
 * retry; the connection is fine.
 */
const MYSQL_DATA_ERRORS = new Set([
  'ER_DATA_TOO_LONG',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_DATA_OUT_OF_RANGE',
  'ER_INVALID_CHARACTER_STRING',
  'ER_BAD_NULL_ERROR',
  'ER_NO_DEFAULT_FOR_FIELD',
  // A statement larger than max_allowed_packet: a smaller one (fewer rows) may pass.
  'ER_NET_PACKET_TOO_LARGE',
]);
/** SQLite's: a value too big for the database, NULL in a NOT NULL column, a failed CHECK. */
const SQLITE_DATA_ERRORS = new Set([
  'SQLITE_TOOBIG',
  'SQLITE_CONSTRAINT_NOTNULL',
  'SQLITE_CONSTRAINT_CHECK',
  'SQLITE_MISMATCH',
]);

/**
 * A write refused for what it writes, not for the database's state: retrying the same rows can
 * never succeed. Anything else (a lost connection, a timeout, a deadlock, an unknown error) may
 * pass later and is not one.
 */
export function isDataError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, sqlState, driverError } = error as {
    code?: unknown;
    sqlState?: unknown;
    driverError?: { code?: unknown; sqlState?: unknown };
  };
  const reported = driverError?.code ?? code;
  const state = driverError?.sqlState ?? sqlState;
  // SQLSTATE class 22 is "data exception" in the SQL standard, whatever the vendor code.
  if (typeof state === 'string' && state.startsWith('22')) return true;
  return (
    typeof reported === 'string' &&
    (MYSQL_DATA_ERRORS.has(reported) || SQLITE_DATA_ERRORS.has(reported))
  );
}

/** The driver's code of a database error (`ER_DATA_TOO_LONG`), for logs and records. */
export function databaseErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown';
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  const reported = driverError?.code ?? code;
  return typeof reported === 'string' ? reported.slice(0, 64) : 'unknown';
}

/** Driver errors that mean "the database is not reachable", not "this request is wrong". */
const DATABASE_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'SQLITE_BUSY',
  // A transaction that read before another process (the CLI, a second instance on the file)
  // wrote cannot write on that stale snapshot; the busy timeout does not wait for it.
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_CANTOPEN',
]);

export function isDatabaseDown(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && DATABASE_DOWN_CODES.has(code)) return true;
    const name = (current as { name?: unknown }).name;
    if (name === 'ConnectionIsNotSetError' || name === 'CannotConnectError') return true;
    const message = (current as { message?: unknown }).message;
    if (
      typeof message === 'string' &&
      /database connection is not open|connection is not established|pool is closed/i.test(message)
    ) {
      return true;
    }
    current =
      (current as { driverError?: unknown; cause?: unknown }).driverError ??
      (current as { cause?: unknown }).cause;
  }
  return false;
}

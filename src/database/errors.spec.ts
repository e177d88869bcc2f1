import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryFailedError } from 'typeorm';
import {
  DatabaseTimeoutError,
  isDatabaseDown,
  isDataError,
  isMissingReference,
  isUniqueViolation,
} from './errors';

describe('isUniqueViolation', () => {
  it('recognises duplicate keys of both drivers, directly or wrapped by TypeORM', () => {
    for (const code of [
      'ER_DUP_ENTRY',
      'SQLITE_CONSTRAINT_UNIQUE',
      'SQLITE_CONSTRAINT_PRIMARYKEY',
    ]) {
      expect(isUniqueViolation({ code })).toBe(true);
      expect(isUniqueViolation({ driverError: { code } })).toBe(true);
    }
  });

  it('does not take other constraint failures or other errors for a race', () => {
    for (const code of [
      'SQLITE_CONSTRAINT_NOTNULL',
      'SQLITE_CONSTRAINT_FOREIGNKEY',
      'ER_NO_REFERENCED_ROW_2',
    ]) {
      expect(isUniqueViolation({ driverError: { code } })).toBe(false);
    }
    expect(isUniqueViolation(new Error('connection lost'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});

describe('isMissingReference', () => {
  it('recognises a foreign key naming a row that is gone, on both drivers', () => {
    for (const code of [
      'ER_NO_REFERENCED_ROW_2',
      'ER_NO_REFERENCED_ROW',
      'SQLITE_CONSTRAINT_FOREIGNKEY',
    ]) {
      expect(isMissingReference({ code })).toBe(true);
      expect(isMissingReference({ driverError: { code } })).toBe(true);
    }
  });

  it('takes no other error for one', () => {
    for (const code of ['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'ECONNRESET']) {
      expect(isMissingReference({ driverError: { code } })).toBe(false);
    }
    expect(isMissingReference(null)).toBe(false);
  });
});

/** What TypeORM throws: a QueryFailedError around the driver's error. */
const failed = (driverError: Record<string, unknown>) =>
  Object.assign(new Error('query failed'), { driverError, ...driverError });

describe('isDataError', () => {
  it('is a row the database refuses for its content, on either driver', () => {
    for (const error of [
      failed({ code: 'ER_DATA_TOO_LONG', errno: 1406, sqlState: '22001' }),
      failed({ code: 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD', errno: 1366, sqlState: 'HY000' }),
      failed({ code: 'ER_BAD_NULL_ERROR', errno: 1048, sqlState: '23000' }),
      failed({ code: 'ER_SOME_FUTURE_DATA_ERROR', sqlState: '22999' }),
      failed({ code: 'SQLITE_CONSTRAINT_NOTNULL' }),
      failed({ code: 'SQLITE_TOOBIG' }),
    ]) {
      expect(isDataError(error)).toBe(true);
    }
  });

  it('is never the database being away, busy or racing: those are retried', () => {
    for (const error of [
      failed({ code: 'PROTOCOL_CONNECTION_LOST' }),
      failed({ code: 'ECONNREFUSED' }),
      failed({ code: 'ER_LOCK_DEADLOCK', errno: 1213, sqlState: '40001' }),
      failed({ code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205, sqlState: 'HY000' }),
      failed({ code: 'SQLITE_BUSY' }),
      failed({ code: 'ER_DUP_ENTRY', sqlState: '23000' }),
      new Error('Connection is not established'),
      null,
      'text',
    ]) {
      expect(isDataError(error)).toBe(false);
    }
  });
});

describe('DatabaseTimeoutError', () => {
  it('is the database being away (503), as thrown, as mysql2 copies it and as TypeORM wraps it', () => {
    const timedOut = new DatabaseTimeoutError('a query result', 2000);
    // mysql2's promise wrapper rejects with an error of its own carrying the code and message.
    const copied = Object.assign(new Error(timedOut.message), { code: timedOut.code });
    for (const error of [
      new DatabaseTimeoutError('a connection', 2000),
      timedOut,
      copied,
      new QueryFailedError('SELECT 1', [], copied),
    ]) {
      expect(isDatabaseDown(error)).toBe(true);
      expect(isDataError(error)).toBe(false);
    }
  });
});

describe('isDatabaseDown on SQLite', () => {
  it('is a write on a snapshot another process wrote after (SQLITE_BUSY_SNAPSHOT): 503, not 500', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tessera-busy-snapshot-'));
    const file = join(directory, 'db.sqlite');
    const app = new Database(file);
    const otherProcess = new Database(file, { timeout: 100 });
    try {
      app.pragma('journal_mode = WAL');
      app.exec('CREATE TABLE t (x INTEGER)');
      app.exec('BEGIN');
      app.prepare('SELECT count(*) FROM t').get();
      otherProcess.prepare('INSERT INTO t (x) VALUES (1)').run();
      let thrown: unknown;
      try {
        app.prepare('INSERT INTO t (x) VALUES (2)').run();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'SQLITE_BUSY_SNAPSHOT' });
      expect(isDatabaseDown(new QueryFailedError('INSERT', [], thrown as Error))).toBe(true);
      expect(isDataError(thrown)).toBe(false);
    } finally {
      if (app.inTransaction) app.exec('ROLLBACK');
      app.close();
      otherProcess.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

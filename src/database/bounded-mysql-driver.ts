import type { Pool, PoolConnection, PoolOptions } from 'mysql2';
import { DatabaseTimeoutError } from './errors';
import { queryTimeoutOr } from './query-timeout';

type QueryCallback = (error: Error | null, ...results: unknown[]) => void;
type Query = (sql: unknown, ...rest: unknown[]) => unknown;

/**
 * mysql2 as TypeORM's `driver`, with every wait for the server bounded by `timeoutMs`: connecting
 * (mysql2's connectTimeout), getting a connection from the pool and each query (mysql2 has no
 * bound for the first, and its per-query `timeout` starts only once the query leaves the
 * connection's queue). Unbounded, a server that stops answering (paused, swapping, a half-open
 * network path) holds every request that reaches it until the socket dies, minutes later.
 * Work that may run long sets its own query bound with `withQueryTimeout`.
 */
export class BoundedMysqlDriver {
  constructor(readonly timeoutMs: number) {}

  /** What TypeORM's MysqlDriver calls to make its pool. */
  createPool(options: PoolOptions): Pool {
    // Required here rather than imported: an instance on SQLite never loads mysql2 (~2.4 MB of
    // heap, issue #19), and TypeORM calls this synchronously.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at first use
    const { createPool } = require('mysql2') as typeof import('mysql2');
    const pool = createPool({ ...options, connectTimeout: this.timeoutMs });
    pool.on('connection', (connection) => this.boundQueriesOf(connection));
    const getConnection = pool.getConnection.bind(pool);
    pool.getConnection = (callback) => {
      let waiting = true;
      const timer = setTimeout(() => {
        waiting = false;
        callback(new DatabaseTimeoutError('a connection', this.timeoutMs), undefined as never);
      }, this.timeoutMs).unref(); // the wait keeps nothing alive by itself
      getConnection((error, connection) => {
        if (!waiting) {
          if (!error) connection.release(); // came too late for its caller: back to the pool
          return;
        }
        waiting = false;
        clearTimeout(timer);
        callback(error, connection);
      });
    };
    return pool;
  }

  /**
   * A query that runs out of time fails and closes its connection: the server may still answer
   * it later, and that answer must not reach the next query on the connection. Streamed queries
   * (no callback; Tessera makes none) are left unbounded.
   */
  private boundQueriesOf(connection: PoolConnection): void {
    const query = connection.query.bind(connection) as Query;
    const bounded: Query = (sql, values, callback) => {
      if (typeof values === 'function') return bounded(sql, undefined, values);
      const timeoutMs = queryTimeoutOr(this.timeoutMs);
      if (timeoutMs === null || typeof callback !== 'function') {
        return callback === undefined ? query(sql, values) : query(sql, values, callback);
      }
      const answer = callback as QueryCallback;
      let waiting = true;
      const timer = setTimeout(() => {
        waiting = false;
        connection.destroy();
        answer(new DatabaseTimeoutError('a query result', timeoutMs));
      }, timeoutMs).unref();
      const settle: QueryCallback = (error, ...results) => {
        if (!waiting) return;
        waiting = false;
        clearTimeout(timer);
        answer(error, ...results);
      };
      return values === undefined ? query(sql, settle) : query(sql, values, settle);
    };
    (connection as unknown as { query: Query }).query = bounded;
  }
}

// The MariaDB the cold-key row runs on: a database of its own on the server BENCH_MARIADB_URL
// names (default: the one on this machine, as the e2e tests use), made for the run and dropped
// after it.
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

const DEFAULT_SERVER = 'mysql://root@127.0.0.1:3306';
const made: { server: string; database: string }[] = [];

/** The URL of a new, empty database; or why there is none (the row is then skipped). */
export async function benchDatabase(): Promise<{ url: string } | { skipped: string }> {
  const setting = process.env.BENCH_MARIADB_URL?.trim();
  if (setting === 'off') return { skipped: 'BENCH_MARIADB_URL=off' };
  const server = new URL((setting || DEFAULT_SERVER).replace(/^mariadb:/, 'mysql:'));
  server.pathname = '/';
  const database = `tessera_bench_${randomBytes(4).toString('hex')}`;
  try {
    const connection = await createConnection({ uri: server.toString(), connectTimeout: 3_000 });
    try {
      await connection.query(`CREATE DATABASE \`${database}\``);
    } finally {
      await connection.end();
    }
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { skipped: `no MariaDB at ${server.host} (${why}); set BENCH_MARIADB_URL` };
  }
  made.push({ server: server.toString(), database });
  const url = new URL(server.toString());
  url.pathname = `/${database}`;
  return { url: url.toString() };
}

/** Drops the databases `benchDatabase` made. */
export async function dropBenchDatabases(): Promise<void> {
  for (const { server, database } of made.splice(0)) {
    try {
      const connection = await createConnection({ uri: server, connectTimeout: 3_000 });
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await connection.end();
      }
    } catch (error) {
      console.error(`could not drop the bench database ${database}: ${String(error)}`);
    }
  }
}

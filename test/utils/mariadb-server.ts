import { ChildProcess, execFile, spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { freePort } from './free-port';

/** Set by the e2e global setup: whether a disposable MariaDB can be started here. */
const MARIADB_SERVER_ENV = 'TESSERA_TEST_MARIADB_SERVER';
const BINARIES = ['mariadbd', 'mariadb-install-db'];
/** Where distributions put the server, often off a non-root user's PATH. */
const SERVER_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/local/mysql/bin'];
/** Crash recovery after a SIGKILL on a busy machine can take a while; a hang must still end. */
const START_TIMEOUT_MS = 60_000;

function executable(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SERVER_DIRS];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return null;
}

/**
 * Run once before the e2e suites (global setup), like checkRedisForTests: without the MariaDB
 * server binaries the suites that start their own are skipped (counted as skipped, with a
 * warning) on a developer machine, and fail the run in CI (CI=true).
 */
export function checkMariaDbServerForTests(): void {
  const missing = BINARIES.filter((name) => !executable(name));
  if (missing.length > 0) {
    const reason = `no ${missing.join(' or ')} binary to start a disposable MariaDB`;
    if (process.env.CI) throw new Error(`MariaDB is missing in CI: ${reason}`);
    console.warn(`Skipping the suites that start their own MariaDB: ${reason}`);
  }
  // Workers are started after global setup and inherit its environment.
  process.env[MARIADB_SERVER_ENV] = missing.length > 0 ? 'missing' : 'available';
}

/** `describe`, or `describe.skip` when global setup found no MariaDB server to start. */
export function describeWithMariaDbServer(name: string, suite: () => void): void {
  (process.env[MARIADB_SERVER_ENV] === 'missing' ? describe.skip : describe)(name, suite);
}

export interface DisposableMariaDbOptions {
  /** More `mariadbd` options, e.g. `['--max-connections=5']`. */
  serverArgs?: string[];
}

/**
 * A throwaway MariaDB server for tests that make the database misbehave: its own data directory
 * in a temporary folder and a loopback port from the OS (both kept across restarts), root with
 * no password, a `test` database. It can be paused (SIGSTOP: connections open, nothing
 * answers), resumed, killed (SIGKILL) and started again on the same data. `stop()` removes it
 * all; a server left running when the test process exits is killed with it.
 */
export class DisposableMariaDb {
  private dir?: string;
  private port?: number;
  private process?: ChildProcess;
  private readonly killWithTestProcess = () => this.process?.kill('SIGKILL');

  constructor(private readonly options: DisposableMariaDbOptions = {}) {}

  /** `mysql://root@127.0.0.1:<port>/test`, or another database of this server. */
  url(database = 'test'): string {
    if (this.port === undefined) throw new Error('DisposableMariaDb not started yet');
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  /** The process id of the running server (for tests that signal it themselves). */
  get pid(): number {
    const pid = this.running?.pid;
    if (pid === undefined) throw new Error('DisposableMariaDb is not running');
    return pid;
  }

  /** The first time, creates the data directory; resolves once the server answers queries. */
  async start(): Promise<void> {
    if (this.running) throw new Error('DisposableMariaDb is already running');
    const firstStart = this.dir === undefined;
    this.dir ??= mkdtempSync(join(tmpdir(), 'tessera-mariadb-'));
    if (firstStart) await this.install();
    this.port ??= await freePort();
    const child = spawn(executable('mariadbd')!, this.serverArgs(), { stdio: 'ignore' });
    this.process = child;
    process.once('exit', this.killWithTestProcess);
    child.once('exit', () => process.removeListener('exit', this.killWithTestProcess));
    await this.waitUntilAnswering(child);
    if (firstStart) await this.query('CREATE DATABASE IF NOT EXISTS test');
  }

  /**
   * SIGSTOP: the server keeps its connections and accepts new ones but answers nothing. Resolves
   * once every thread of it has stopped (a few ms, more on a busy machine), not before: a thread
   * still running could answer one more query.
   */
  async pause(): Promise<void> {
    const child = this.running;
    if (!child) return;
    child.kill('SIGSTOP');
    const deadline = Date.now() + 5000;
    while (!allThreadsStopped(child.pid!)) {
      if (Date.now() > deadline) throw new Error('mariadbd did not stop within 5 s of SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** SIGCONT: a paused server goes on where it stopped. Harmless on a running one. */
  resume(): void {
    this.running?.kill('SIGCONT');
  }

  /** SIGKILL, as a crash: connections drop at once; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.running;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** A clean shutdown if it runs (a paused server is resumed for it), then a start. */
  async restart(): Promise<void> {
    const child = this.running;
    if (child) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        child.kill('SIGCONT');
      });
    }
    await this.start();
  }

  /** Kills the server and removes its data directory. */
  async stop(): Promise<void> {
    await this.kill();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.port = undefined;
  }

  /**
   * One statement as root in `database`, on a connection of its own: setup, and checking what
   * the app stored without going through it.
   */
  async query<T = unknown>(sql: string, values: unknown[] = [], database?: string): Promise<T> {
    const connection = await createConnection({
      ...this.connectionOptions(),
      database,
      connectTimeout: 5000,
    });
    try {
      const [rows] = await connection.query(sql, values);
      return rows as T;
    } finally {
      await connection.end();
    }
  }

  private get running(): ChildProcess | undefined {
    const child = this.process;
    return child && child.exitCode === null && child.signalCode === null ? child : undefined;
  }

  private connectionOptions() {
    return { host: '127.0.0.1', port: this.port, user: 'root' };
  }

  /** Options shared by the install and the server, so both see the same files. */
  private storageArgs(): string[] {
    return [
      '--no-defaults',
      `--datadir=${join(this.dir!, 'data')}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=16M',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ];
  }

  private serverArgs(): string[] {
    return [
      ...this.storageArgs(),
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(this.dir!, 'mariadb.sock')}`,
      `--pid-file=${join(this.dir!, 'mariadb.pid')}`,
      `--log-error=${this.errorLog()}`,
      // Debian's defaults, which the shared test server has (--no-defaults would give latin1).
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_general_ci',
      // Commits reach the OS at once (a SIGKILL loses none) without an fsync each: tests are fast.
      '--innodb-flush-log-at-trx-commit=2',
      ...(this.options.serverArgs ?? []),
    ];
  }

  private errorLog(): string {
    return join(this.dir!, 'error.log');
  }

  /** The system tables, with root@127.0.0.1 having no password (about 5 s). */
  private install(): Promise<void> {
    const args = [
      ...this.storageArgs(),
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ];
    return new Promise((resolve, reject) => {
      execFile(
        executable('mariadb-install-db')!,
        args,
        { timeout: START_TIMEOUT_MS },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`mariadb-install-db failed: ${error.message}\n${stderr}`));
          else resolve();
        },
      );
    });
  }

  private async waitUntilAnswering(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `mariadbd exited (${child.exitCode ?? child.signalCode}):\n${this.errorLogTail()}`,
        );
      }
      if (await this.answers()) return;
      if (Date.now() > deadline) {
        throw new Error(
          `mariadbd did not answer within ${START_TIMEOUT_MS} ms:\n${this.errorLogTail()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async answers(): Promise<boolean> {
    try {
      const connection = await createConnection({
        ...this.connectionOptions(),
        connectTimeout: 1000,
      });
      try {
        await connection.query('SELECT 1');
        return true;
      } finally {
        connection.destroy();
      }
    } catch {
      return false;
    }
  }

  private errorLogTail(): string {
    const log = this.errorLog();
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '';
  }
}

/**
 * Whether every thread of the process is stopped, from Linux's /proc; elsewhere the signal is
 * trusted (there is nothing to look at).
 */
function allThreadsStopped(pid: number): boolean {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return true;
  }
  return threads.every((thread) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
      // "<tid> (<name>) <state> ...": the name may hold spaces and parentheses.
      const state = stat[stat.lastIndexOf(')') + 2];
      return state === 'T' || state === 't';
    } catch {
      return true; // the thread ended meanwhile
    }
  });
}

// The servers under test, each in its own child process, and the bookkeeping that makes sure every
// one of them is stopped and every temporary directory removed, whichever way the bench ends.
import { ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nodeOnCore } from './cpu-pinning';

/** dist/bench/processes.js → the repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..');
const TESSERA_MAIN = join(REPO_ROOT, 'dist', 'src', 'main.js');

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

const running = new Set<ChildProcess>();
const temporaryDirs = new Set<string>();
/** Set once the bench shuts its children down on purpose, so their exit is not reported. */
let stopping = false;

export interface RunningServer {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** The server's own process (taskset execs node, so pinning keeps the pid). */
  pid: number | undefined;
}

export interface RunningTessera extends RunningServer {
  /** TESSERA_ADMIN_TOKEN of this instance (lets the bench lift the organization's plan limit). */
  adminToken: string;
  /** TESSERA_MASTER_KEY of this instance (the bench hashes keys it writes to the database). */
  masterKey: string;
  /** The SQLite file, or undefined on MariaDB. */
  sqlitePath?: string;
}

/** Files the instances' stdout (their log lines) goes to, emptied between slices. */
const logFiles = new Set<number>();

/** The last lines a child printed, shown when it fails to start or dies under load. */
class OutputTail {
  private lines: string[] = [];

  constructor(
    /** A file the child's stdout goes to: its last lines are shown too. */
    private readonly stdoutFile?: string,
    private readonly max = 40,
  ) {}

  attach(child: ChildProcess): void {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      // Always drained, so a chatty child can never block on a full pipe.
      stream?.on('data', (chunk: string) => {
        this.lines.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
        if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
      });
    }
  }

  toString(): string {
    const lines = [...this.fileTail(), ...this.lines];
    return lines.length > 0 ? lines.map((line) => `    ${line}`).join('\n') : '    (no output)';
  }

  private fileTail(): string[] {
    if (!this.stdoutFile) return [];
    try {
      const fd = openSync(this.stdoutFile, 'r');
      try {
        const size = fstatSync(fd).size;
        const length = Math.min(size, 8192);
        const buffer = Buffer.alloc(length);
        readSync(fd, buffer, 0, length, size - length);
        return buffer.toString('utf8').split('\n').filter(Boolean).slice(-this.max);
      } finally {
        closeSync(fd);
      }
    } catch {
      return [];
    }
  }
}

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

function exitedBeforeReady(
  name: string,
  tail: OutputTail,
  code: number | null,
  signal: string | null,
) {
  return new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready:\n${tail}`);
}

/** A port nobody listens on right now (the OS picks it; the tiny race is fine for a bench). */
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

export async function startBareServer(options: { core?: number } = {}): Promise<RunningServer> {
  const tail = new OutputTail();
  const node = nodeOnCore(options.core);
  const child = fork(join(__dirname, 'bare-server.js'), [], {
    execPath: node.command,
    execArgv: [...node.prefix, ...process.execArgv],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  track(child);
  tail.attach(child);
  const port = await new Promise<number>((resolvePort, reject) => {
    child.once('message', (message) => resolvePort((message as { port: number }).port));
    child.once('exit', (code, signal) =>
      reject(exitedBeforeReady('bare server', tail, code, signal)),
    );
  });
  return { baseUrl: `http://127.0.0.1:${port}`, pid: child.pid };
}

/**
 * Starts dist/src/main.js on a free port with a fresh SQLite database in a temporary directory
 * (or the MariaDB database `databaseUrl`), in the default configuration: nothing is set but what
 * `npm start` needs and what the bench must know (port, data directory, master key, admin
 * token), and whatever `env` adds (LOG_LEVEL=warn for the tuned rows). The child gets a clean
 * environment, not ours: a DATABASE_URL or REDIS_URL in the developer's shell must never point
 * the bench at a real database. Its stdout, the log lines (~20k a second at the default
 * LOG_LEVEL), goes to a file, as a deployment's would, emptied between slices (`trimLogs`):
 * read through a pipe here, the lines would cost the load generator's core.
 */
export async function startTessera(options: {
  redisUrl?: string;
  databaseUrl?: string;
  core?: number;
  /** Settings of this instance beside the bench's own (e.g. a higher public rate limit). */
  env?: Record<string, string>;
}): Promise<RunningTessera> {
  if (!existsSync(TESSERA_MAIN)) {
    throw new Error(`${TESSERA_MAIN} not found: build first (npx nest build, or npm run bench)`);
  }
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  temporaryDirs.add(dataDir);
  const adminToken = randomBytes(24).toString('base64url');
  const masterKey = randomBytes(30).toString('base64url'); // 40 characters
  const sqlitePath = options.databaseUrl ? undefined : join(dataDir, 'tessera.sqlite');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    TESSERA_DATA_DIR: dataDir,
    ...(sqlitePath ? { SQLITE_PATH: sqlitePath } : { DATABASE_URL: options.databaseUrl }),
    TESSERA_MASTER_KEY: masterKey,
    TESSERA_ADMIN_TOKEN: adminToken,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  };

  const logFile = join(dataDir, 'stdout.log');
  const logFd = openSync(logFile, 'a');
  logFiles.add(logFd);
  const tail = new OutputTail(logFile);
  const node = nodeOnCore(options.core);
  // As `npm start` runs it (package.json).
  const flags = [
    '--no-memory-reducer',
    '--heap-growing-percent=30',
    '--max-semi-space-size=8',
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  ];
  const child = spawn(node.command, [...node.prefix, ...flags, TESSERA_MAIN], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', logFd, 'pipe'],
  });
  track(child);
  tail.attach(child);
  child.once('exit', () => {
    logFiles.delete(logFd);
    closeSync(logFd);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(baseUrl, child, tail);
  child.once('exit', (code, signal) => {
    if (!stopping)
      console.error(`\nTessera exited unexpectedly (code ${code}, signal ${signal}):\n${tail}`);
  });
  return { baseUrl, pid: child.pid, adminToken, masterKey, sqlitePath };
}

/** Empties the instances' log files (they append: writing goes on at the new end). */
export function trimLogs(): void {
  for (const fd of logFiles) ftruncateSync(fd, 0);
}

/** The resident set size of process `pid` in MB (VmRSS), or null where there is no /proc. */
export function residentMegabytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function waitUntilHealthy(baseUrl: string, child: ChildProcess, tail: OutputTail) {
  let exited: Error | undefined;
  child.once('exit', (code, signal) => {
    exited = exitedBeforeReady('Tessera', tail, code, signal);
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) throw exited;
    try {
      const response = await fetch(`${baseUrl}/v1/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      lastProblem = `GET /v1/health answered ${response.status}: ${await response.text()}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((wake) => setTimeout(wake, 200));
  }
  throw new Error(
    `Tessera not healthy after ${STARTUP_TIMEOUT_MS / 1000} s (${lastProblem}):\n${tail}`,
  );
}

/** Servers stopped by `runOnly` until it runs them or `resumeAll`. */
const paused = new Set<ChildProcess>();

/**
 * Lets only the server at `pid` run while it is measured; the others are stopped (SIGSTOP). The
 * bench's other instances share its core, and though nobody sends them requests their timers
 * still run (usage flushes, sweeps) and so do their garbage collections: a neighbour's 10 ms
 * collection during a slice was a 10 ms stall of the measured server, which a deployment alone
 * on its core does not have (docs/performance.md, "Session 22"). Nothing talks to a stopped
 * server, and without Redis none holds anything another waits for (each has its own database);
 * with Redis the instances confirm each other's cache invalidations, so the bench does not stop
 * them then (run.ts). What their timers owe they do when they run again: in their re-warm, or,
 * for the cold-key rows (no re-warm), in their slice, which so pays its own keys' usage writes.
 */
export function runOnly(pid: number | undefined): void {
  // Shutting down: stopAll has let them all run to take their SIGTERM.
  if (stopping) return;
  // A server without a pid (never started) cannot be told apart: all run.
  if (pid === undefined) return resumeAll();
  for (const child of running) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    if (child.pid === pid) {
      if (paused.delete(child)) child.kill('SIGCONT');
    } else if (!paused.has(child) && child.kill('SIGSTOP')) {
      paused.add(child);
    }
  }
}

/** Lets every server `runOnly` stopped run again (SIGCONT). */
export function resumeAll(): void {
  for (const child of paused) child.kill('SIGCONT');
  paused.clear();
}

/** SIGTERM every child, SIGKILL the ones still there after a grace period, remove temp dirs. */
export async function stopAll(): Promise<void> {
  stopping = true;
  // A stopped process would hold its SIGTERM until continued.
  resumeAll();
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          child.once('exit', () => {
            clearTimeout(force);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  removeTemporaryDirs();
}

/** Last resort from a process 'exit' handler, where nothing asynchronous runs any more. */
export function killAllNow(): void {
  stopping = true;
  for (const child of running) child.kill('SIGKILL');
  removeTemporaryDirs();
}

function removeTemporaryDirs(): void {
  for (const dir of temporaryDirs) {
    rmSync(dir, { recursive: true, force: true });
    temporaryDirs.delete(dir);
  }
}

/** RSA-2048 signatures per second on `core`, by node:crypto alone (bench/rsa-signs.ts). */
export function measureRsaSignsPerSecond(core: number | undefined, seconds = 3): Promise<number> {
  const node = nodeOnCore(core);
  const script = join(REPO_ROOT, 'dist', 'bench', 'rsa-signs.js');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node.command, [...node.prefix, script, String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      const rate = Number(output);
      if (code === 0 && Number.isFinite(rate) && rate > 0) resolvePromise(rate);
      else reject(new Error(`rsa-signs exited with ${code}: ${output}`));
    });
  });
}

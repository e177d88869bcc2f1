import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { AddressInfo, createConnection, createServer } from 'node:net';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether something answers on the Redis URL's port. */
export function redisReachable(url = TEST_REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Set by the e2e global setup: whether the shared Redis answered, and redis-server can start. */
const SHARED_REDIS_ENV = 'TESSERA_TEST_SHARED_REDIS';
const REDIS_SERVER_ENV = 'TESSERA_TEST_REDIS_SERVER';

/**
 * Run once before the e2e suites (global setup). Suites that need Redis run when it is there. On
 * a developer machine without it they are skipped, and Jest counts them as skipped, not passed;
 * in CI (CI=true) a missing Redis fails the run instead, so a broken setup cannot hide.
 */
export async function checkRedisForTests(): Promise<void> {
  const shared = await redisReachable();
  const server = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  const missing = [
    ...(shared ? [] : [`nothing answers at ${TEST_REDIS_URL}`]),
    ...(server ? [] : ['no redis-server binary to start a disposable Redis']),
  ];
  if (missing.length > 0) {
    if (process.env.CI) throw new Error(`Redis is missing in CI: ${missing.join('; ')}`);
    console.warn(`Skipping the suites that need Redis: ${missing.join('; ')}`);
  }
  // Workers are started after global setup and inherit its environment.
  process.env[SHARED_REDIS_ENV] = shared ? 'available' : 'missing';
  process.env[REDIS_SERVER_ENV] = server ? 'available' : 'missing';
}

/** `describe`, or `describe.skip` when global setup found no Redis at TEST_REDIS_URL. */
export function describeWithSharedRedis(name: string, suite: () => void): void {
  (process.env[SHARED_REDIS_ENV] === 'missing' ? describe.skip : describe)(name, suite);
}

/** `describe`, or `describe.skip` when global setup found no redis-server to start. */
export function describeWithRedisServer(name: string, suite: () => void): void {
  (process.env[REDIS_SERVER_ENV] === 'missing' ? describe.skip : describe)(name, suite);
}

/**
 * A throwaway redis-server on a loopback port of its own (free when first started, kept across
 * restarts), which a test can stop and start again.
 */
export class DisposableRedis {
  private process?: ChildProcess;
  private port?: number;

  get url(): string {
    if (this.port === undefined) throw new Error('DisposableRedis not started yet');
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port ??= await freePort();
    // Whatever answers there must be this server, not another process that took the port.
    if (await redisReachable(this.url)) throw new Error(`Port ${this.port} is taken`);
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.process = child;
    await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`);
      return redisReachable(this.url);
    }, 5000);
  }

  /** Stops the server without closing its connections: it takes them and answers nothing. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    this.resume();
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Condition not met within ${timeoutMs} ms`);
}

/** Windows are calendar-aligned: start a counting test well inside one, never at its edge. */
export async function awayFromWindowEdge(windowMs: number, marginMs = 8000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** A loopback port nothing listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Counts the Lua script runs (EVALSHA, or EVAL when Redis lacks the script) a client sends from
 * now on: `runs()` says how many since the last `reset()`.
 */
export function countScriptRuns(redis: import('ioredis').default): {
  runs: () => number;
  reset: () => void;
} {
  let runs = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    if (command.name === 'evalsha' || command.name === 'eval') runs += 1;
    return send(command as never, ...(rest as []));
  }) as typeof redis.sendCommand;
  return {
    runs: () => runs,
    reset: () => {
      runs = 0;
    },
  };
}

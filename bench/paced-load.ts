// An open-loop load at a steady rate, for the latency a user sees when the server is busy but not
// saturated (issue #19's paced rows). autocannon's `overallRate` does not pace: each connection
// sends its share of a second as fast as it can at the start of the second, a burst at full
// speed, so its latencies are a saturated server's. Here a request is due every 1/rate s and
// goes out on the first free keep-alive connection; its latency counts from when it was due, not
// from when it was sent: a stall delays every request due during it, and they all count the
// wait (no "coordinated omission"). node:http's client cost ~100 us a request, too slow to load
// a server at thousands a second from one core, so this speaks HTTP/1.1 on raw sockets: a
// prebuilt request, and of the answer only its status and its length are read.
import type { Result } from 'autocannon';
import { ChildProcess, fork } from 'node:child_process';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface PacedLoad {
  url: string;
  /** Request i sends headerSets[i % length]. */
  headerSets: Record<string, string>[];
  requestsPerSecond: number;
  seconds: number;
  connections: number;
}

/** How often the scheduler wakes to send what has come due (timers run no finer than ~1 ms). */
const TICK_MS = 1;
const HEADER_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('0\r\n\r\n');

interface Due {
  index: number;
  dueAt: number;
}

/** One keep-alive connection, one request at a time. */
class Connection {
  private readonly socket: Socket;
  private received: Buffer = Buffer.alloc(0);
  private current: Due | null = null;

  constructor(
    host: string,
    port: number,
    private readonly answered: (connection: Connection, due: Due, status: number) => void,
    private readonly failed: (connection: Connection, due: Due | null) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', () => this.fail());
    this.socket.on('close', () => this.fail());
  }

  get free(): boolean {
    return this.current === null && !this.socket.destroyed;
  }

  send(request: Buffer, due: Due): void {
    this.current = due;
    this.socket.write(request);
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    const headerEnd = this.received.indexOf(HEADER_END);
    if (headerEnd < 0 || this.current === null) return;
    const head = this.received.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const bodyStart = headerEnd + HEADER_END.length;
    let end: number;
    if (length) {
      end = bodyStart + Number(length[1]);
      if (this.received.length < end) return;
    } else {
      const chunkedEnd = this.received.indexOf(CHUNKED_END, bodyStart);
      if (chunkedEnd < 0) return;
      end = chunkedEnd + CHUNKED_END.length;
    }
    const status = Number(head.slice(9, 12));
    this.received = this.received.subarray(end);
    const due = this.current;
    this.current = null;
    this.answered(this, due, status);
  }

  private fail(): void {
    const due = this.current;
    this.current = null;
    this.socket.destroy();
    this.failed(this, due);
  }
}

export interface PacedOutcome {
  result: Result;
  latenciesMs: number[];
}

/** Runs the load; its result in the shape of autocannon's (the fields the bench reads). */
export async function pacedLoad(load: PacedLoad): Promise<PacedOutcome> {
  const url = new URL(load.url);
  const requests = load.headerSets.map((headers) =>
    Buffer.from(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
        Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        '\r\n',
    ),
  );
  const latenciesMs: number[] = [];
  const statusCodes = new Map<number, number>();
  let errors = 0;
  const intervalMs = 1000 / load.requestsPerSecond;
  const total = Math.round(load.requestsPerSecond * load.seconds);
  const waiting: Due[] = [];
  let settled = 0;
  let allSettled!: () => void;
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const settle = () => {
    settled += 1;
    if (settled === total) allSettled();
  };

  const free: Connection[] = [];
  const sendWaiting = () => {
    while (waiting.length > 0 && free.length > 0) {
      const due = waiting.shift()!;
      free.pop()!.send(requests[due.index % requests.length], due);
    }
  };
  const answered = (connection: Connection, due: Due, status: number) => {
    latenciesMs.push(performance.now() - due.dueAt);
    statusCodes.set(status, (statusCodes.get(status) ?? 0) + 1);
    free.push(connection);
    settle();
    sendWaiting();
  };
  const connections: Connection[] = [];
  const failed = (connection: Connection, due: Due | null) => {
    if (due) {
      errors += 1;
      settle();
    }
    const freeAt = free.indexOf(connection);
    if (freeAt >= 0) free.splice(freeAt, 1);
    // A closed connection is replaced, so the load keeps its connections.
    const index = connections.indexOf(connection);
    if (index >= 0 && settled < total) {
      const replacement = new Connection(url.hostname, Number(url.port), answered, failed);
      connections[index] = replacement;
      free.push(replacement);
      sendWaiting();
    }
  };
  for (let i = 0; i < load.connections; i++) {
    const connection = new Connection(url.hostname, Number(url.port), answered, failed);
    connections.push(connection);
    free.push(connection);
  }

  const started = performance.now();
  let scheduled = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (scheduled < total && started + scheduled * intervalMs <= now) {
        waiting.push({ index: scheduled, dueAt: started + scheduled * intervalMs });
        scheduled += 1;
      }
      sendWaiting();
      if (scheduled < total) setTimeout(tick, TICK_MS);
      else resolve();
    };
    tick();
  });
  await done;
  for (const connection of connections) connection.close();
  const duration = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latenciesMs).sort();
  const at = (fraction: number) =>
    sorted.length === 0
      ? 0
      : sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
  const non2xx = [...statusCodes].reduce(
    (sum, [status, count]) => (status >= 200 && status < 300 ? sum : sum + count),
    0,
  );
  const result = {
    duration,
    requests: { total: latenciesMs.length },
    latency: { p50: at(0.5), p99: at(0.99) },
    statusCodeStats: Object.fromEntries(
      [...statusCodes].map(([status, count]) => [String(status), { count }]),
    ),
    non2xx,
    errors,
    timeouts: 0,
  } as unknown as Result;
  return { result, latenciesMs };
}

/**
 * Runs paced loads, one after another, in one child process kept for the whole bench
 * (bench/paced-load-child.ts), so that nothing the bench's own process does (its garbage
 * collections over every row's latencies) delays the requests. One process for every slice, not
 * one per slice: a new process sends its first slice from unoptimised code, and its own lag
 * showed as the server's latency (a fresh process per 1 s slice read bare node:http at 5-11 ms
 * p99 paced at a quarter of its core, one kept warm 2.4-6 ms; docs/performance.md, "Session 22").
 * It inherits the bench's CPU pinning (the load's core).
 */
export class PacedLoadProcess {
  private child: ChildProcess | undefined;
  private pending:
    | {
        resolve: (outcome: PacedOutcome) => void;
        reject: (error: Error) => void;
      }
    | undefined;

  run(load: PacedLoad): Promise<PacedOutcome> {
    if (this.pending) throw new Error('one paced load at a time');
    const child = this.child ?? this.start();
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      try {
        child.send(load);
      } catch (error) {
        this.pending = undefined;
        reject(error as Error);
      }
    });
  }

  stop(): void {
    this.child?.kill();
    this.child = undefined;
  }

  private start(): ChildProcess {
    const child = fork(join(__dirname, 'paced-load-child.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (outcome) => {
      const pending = this.pending;
      this.pending = undefined;
      pending?.resolve(outcome as PacedOutcome);
    });
    const fail = (error: Error) => {
      // A process replaced already (it failed before) fails no load of its successor.
      if (this.child !== child) return;
      this.child = undefined;
      const pending = this.pending;
      this.pending = undefined;
      pending?.reject(error);
    };
    child.on('error', fail);
    child.once('exit', (code, signal) =>
      fail(new Error(`the paced load's process exited (code ${code}, signal ${signal})`)),
    );
    this.child = child;
    return child;
  }
}

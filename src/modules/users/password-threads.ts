import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * How much less than the event loop a password thread may run: at nice 19, the lowest, the kernel
 * gives it all of a core nobody else wants and little of one the event loop wants (weights 15
 * against 1024). At nice 10 (110) it still took the loop's core in slices that held verify's
 * requests: beside a burst of 100 logins a second on one saturated core, verify's p99 was ~2 ×
 * without them, ~1.5 × at nice 19, for ~15% fewer logins served there (docs/performance.md,
 * "Session 16").
 */
export const PASSWORD_THREAD_NICENESS = 19;

/** What a password thread runs: argon2id, synchronously, off the event loop. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const argon2 = require(workerData.argon2);
try {
  // /proc/thread-self names this thread's id: nice applies per thread on Linux.
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(tid, workerData.niceness);
} catch {
  // Not Linux (or no /proc): the thread runs at the event loop's priority.
}
parentPort.on('message', ({ op, args }) => {
  try {
    const value = op === 'hash' ? argon2.hashSync(...args) : argon2.verifySync(...args);
    parentPort.postMessage({ value });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
`;

interface Job {
  op: 'hash' | 'verify';
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * How long a thread beyond the first may sit idle before it ends: each holds ~10 MB of RSS (its
 * isolate, argon2's module) that a burst of logins needed and verification does not (issue #19).
 */
const SPARE_THREAD_IDLE_MS = 60_000;

/**
 * How long the last thread may sit idle before it ends too. An instance that only verifies
 * credentials (a login at start, then API keys for hours) kept it for good: ~7 MB of RSS that
 * its end gives back, of the ~14 it holds (docs/performance.md, "Session 22"). The next login
 * after such a pause starts a thread again: ~60-100 ms once, measured on a busy machine.
 */
const LAST_THREAD_IDLE_MS = 5 * 60_000;

/**
 * argon2id (~20-30 ms of CPU each) on threads of their own at a lower priority than the event
 * loop. @node-rs/argon2's promises run on libuv's thread pool (napi async work: 4 threads by
 * default, at the event loop's priority), so a burst of logins took four threads' worth of CPU
 * from the requests around it, and queued the pool's other work (file writes of the log) behind
 * 20 ms jobs. Here up to as many threads as the process may use cores, each at nice 19: a burst
 * of logins waits for spare CPU instead of taking it from verify (issue #19, docs/performance.md).
 * A thread starts when a job finds every thread busy (logins one at a time need one); one beyond
 * the first ends after `spareIdleMs` without a job, the last after `lastIdleMs`.
 */
export class PasswordThreads {
  /** Every thread, started or starting. */
  private readonly threads = new Set<Worker>();
  /** Idle threads, the most recently busy last (taken first, so spare ones run out of work). */
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly idleTimers = new Map<Worker, NodeJS.Timeout>();

  constructor(
    private readonly size: number,
    private readonly spareIdleMs = SPARE_THREAD_IDLE_MS,
    private readonly lastIdleMs = Math.max(LAST_THREAD_IDLE_MS, spareIdleMs),
  ) {}

  private start(): void {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        argon2: require.resolve('@node-rs/argon2'),
        niceness: PASSWORD_THREAD_NICENESS,
      },
    });
    this.threads.add(worker);
    // Threads must not keep the process alive (a server's socket does).
    worker.unref();
    // Takes a job once running: meanwhile a thread that frees up may take it first.
    worker.once('online', () => this.next(worker));
    worker.on('message', (answer: { value?: unknown; error?: string }) => {
      const job = this.running.get(worker)!;
      this.running.delete(worker);
      if (answer.error !== undefined) job.reject(new Error(answer.error));
      else job.resolve(answer.value);
      this.next(worker);
    });
    // A thread that died (out of memory) fails its job; another starts if jobs wait.
    worker.once('error', (error) => {
      this.running.get(worker)?.reject(error);
      this.forget(worker);
      if (this.queue.length > 0) this.start();
    });
  }

  run<T>(op: Job['op'], args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, args, resolve: resolve as (value: unknown) => void, reject });
      const worker = this.idle.pop();
      if (worker) this.next(worker);
      else if (this.threads.size < this.size) this.start();
    });
  }

  /** Ends every thread; jobs still queued or running fail. */
  async stop(): Promise<void> {
    const stopped = new Error('password threads stopped');
    for (const job of [...this.queue.splice(0), ...this.running.values()]) job.reject(stopped);
    const workers = [...this.threads];
    for (const worker of workers) this.forget(worker);
    for (const worker of workers) worker.removeAllListeners();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private next(worker: Worker): void {
    clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.delete(worker);
    const job = this.queue.shift();
    if (!job) {
      this.idle.push(worker);
      this.endOnceIdle(worker, this.threads.size > 1 ? this.spareIdleMs : this.lastIdleMs, 0);
      return;
    }
    this.running.set(worker, job);
    worker.postMessage({ op: job.op, args: job.args });
  }

  /**
   * Ends the idle thread after `delay` more ms without a job (`waited` so far): a spare one after
   * `spareIdleMs`, the last one (which may have been a spare when it went idle) after `lastIdleMs`.
   */
  private endOnceIdle(worker: Worker, delay: number, waited: number): void {
    const timer = setTimeout(() => {
      this.idleTimers.delete(worker);
      if (!this.idle.includes(worker)) return;
      const idleFor = waited + delay;
      if (this.threads.size === 1 && idleFor < this.lastIdleMs) {
        this.endOnceIdle(worker, this.lastIdleMs - idleFor, idleFor);
        return;
      }
      this.forget(worker);
      worker.removeAllListeners();
      void worker.terminate();
    }, delay);
    timer.unref();
    this.idleTimers.set(worker, timer);
  }

  private forget(worker: Worker): void {
    this.threads.delete(worker);
    this.running.delete(worker);
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
    clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.delete(worker);
  }
}

let threads: PasswordThreads | undefined;

/** The process's password threads, started on first use. */
export function passwordThreads(): Pick<PasswordThreads, 'run'> {
  return (threads ??= new PasswordThreads(availableParallelism()));
}

/** Ends the threads (the app is closing); the next password check starts new ones. */
export async function stopPasswordThreads(): Promise<void> {
  const stopping = threads;
  threads = undefined;
  await stopping?.stop();
}

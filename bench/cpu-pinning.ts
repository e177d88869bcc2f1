import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * One core for the servers, another for the load generator (this process), as the targets were
 * measured. Left to the scheduler, the load generator and a server share a core now and then and
 * move between cores, and throughput and p99 drift with it from one slice to the next.
 */
export interface CpuPinning {
  serverCore: number;
  loadCore: number;
}

/** Null when pinning is off (BENCH_PIN=0), the machine has one CPU, or `taskset` is missing. */
export function choosePinning(): CpuPinning | null {
  if (process.env.BENCH_PIN === '0' || cpus().length < 2) return null;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return { serverCore: 0, loadCore: 1 };
}

/** Pins every thread of this process (the load generator) to `core`. */
export function pinThisProcess(core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], {
    stdio: 'ignore',
  });
}

/**
 * The command that starts node on `core` from its first instruction, so every thread it creates
 * (V8's, libuv's) stays there too.
 */
export function nodeOnCore(core: number | undefined): { command: string; prefix: string[] } {
  return core === undefined
    ? { command: process.execPath, prefix: [] }
    : { command: 'taskset', prefix: ['-c', String(core), process.execPath] };
}

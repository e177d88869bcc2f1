import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * One core for the servers, another for the load generator (this process), as the targets were
 * measured: left to the scheduler they share a core now and then, and throughput and p99 drift.
 */
export interface CpuPinning {
  serverCore: number;
  loadCore: number;
}

/**
 * The first two CPUs this process may use; null when pinning is off (BENCH_PIN=0), fewer than
 * two are allowed, or `taskset` is missing.
 */
export function choosePinning(): CpuPinning | null {
  if (process.env.BENCH_PIN === '0' || cpus().length < 2) return null;
  const allowed = allowedCpus();
  if (allowed === null || allowed.length < 2) return null;
  return { serverCore: allowed[0], loadCore: allowed[1] };
}

/**
 * The CPUs this process may run on (`taskset -p`'s list: a container's cpuset may exclude 0 and
 * 1), or null when `taskset` is missing.
 */
function allowedCpus(): number[] | null {
  let output: string;
  try {
    output = execFileSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return null;
  }
  // "pid 123's current affinity list: 0-3,6"
  const list = output.slice(output.lastIndexOf(':') + 1).trim();
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    for (let cpu = from; cpu <= to; cpu++) cpus.push(cpu);
  }
  return cpus.every(Number.isInteger) ? cpus : null;
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

// How much CPU a server under test spent, read from /proc (Linux only). Requests/s say how fast
// the pair of load generator and server went; CPU time per request says what one request cost the
// server, and the share of its core it kept busy says which of the two set the pace.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** The unit of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on every common Linux). */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = 100;
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/**
 * User plus system CPU time of process `pid`, all its threads, in microseconds; null where there
 * is no /proc (macOS) or the process is gone.
 */
export function cpuTimeMicroseconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The second field, the command, is in parentheses and may hold spaces: count from after it.
  // Field 3 (state) is then index 0, so utime (field 14) and stime (field 15) are 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks / clockTicksPerSecond()) * 1e6 : null;
}

// Runs one paced load (bench/paced-load.ts) in a process of its own and sends its result to the
// bench: in the bench's process, which holds every row's latencies, its garbage collections
// stalled the sending and showed as the server's latency (p99 23-93 ms on a server a separate
// small process measured at 4-6 ms, docs/performance.md). Spawned by `pacedLoadInChild`; it
// inherits the bench's CPU pinning (the load's core).
import { pacedLoad, PacedLoad } from './paced-load';

const load = JSON.parse(process.argv[2] ?? '') as PacedLoad;
pacedLoad(load).then(
  (outcome) => process.send!(outcome, () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

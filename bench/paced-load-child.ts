// Runs the paced loads (bench/paced-load.ts) the bench sends it, one after another, and sends
// back each result: in the bench's process, which holds every row's latencies, its garbage
// collections stalled the sending and showed as the server's latency (p99 23-93 ms on a server a
// separate small process measured at 4-6 ms, docs/performance.md). Started once by
// `PacedLoadProcess` and kept warm for every slice; it inherits the bench's CPU pinning (the
// load's core).
import { pacedLoad, PacedLoad } from './paced-load';

process.on('message', (load) => {
  pacedLoad(load as PacedLoad).then(
    (outcome) => process.send!(outcome),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});

// The bench is gone (even killed with SIGKILL): do not linger.
process.on('disconnect', () => process.exit(0));

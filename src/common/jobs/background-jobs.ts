import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { withQueryTimeout } from '../../database/query-timeout';

/** How soon after start a `runSoonAfterStart` job first runs: at a random moment within this. */
export const SOON_AFTER_START_MS = 5 * 60_000;
/** The query bound of a `longQueries` job (the others' is DB_TIMEOUT_MS). */
export const LONG_QUERY_TIMEOUT_MS = 10 * 60_000;

export interface JobOptions {
  /**
   * Also run once soon after start (within SOON_AFTER_START_MS, at a random moment). For jobs
   * with a long interval (pruning every few hours), which would otherwise never run on an
   * instance redeployed more often than that; random, so instances restarted together do not
   * all prune at once.
   */
  runSoonAfterStart?: boolean;
  /**
   * Its queries may take minutes (pruning a big table), and nobody waits for them: each gets
   * LONG_QUERY_TIMEOUT_MS instead of DB_TIMEOUT_MS, which would fail it on every run.
   */
  longQueries?: boolean;
}

/**
 * Maintenance tasks that repeat for as long as the app runs (pruning, reloading, flushing). The
 * timers never keep the process alive; a run still going when the next one is due is not started
 * a second time (a slow prune of a big table never piles up); a failure is logged, never thrown;
 * every job stops when the app shuts down.
 */
@Injectable()
export class BackgroundJobs implements OnModuleDestroy {
  private readonly logger = new Logger(BackgroundJobs.name);
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs `task` every `intervalMs`; `failure` is the log message when a run fails. */
  every(
    intervalMs: number,
    failure: string,
    task: () => Promise<unknown>,
    options: JobOptions = {},
  ): void {
    let running = false;
    const run = () => {
      if (running) return;
      running = true;
      (options.longQueries ? withQueryTimeout(LONG_QUERY_TIMEOUT_MS, task) : task())
        .catch((error: unknown) => this.logger.warn({ err: error }, failure))
        .finally(() => {
          running = false;
        });
    };
    this.track(setInterval(run, intervalMs));
    if (options.runSoonAfterStart) {
      const first = setTimeout(() => {
        this.timers.delete(first);
        run();
      }, Math.random() * SOON_AFTER_START_MS);
      this.track(first);
    }
  }

  onModuleDestroy(): void {
    // clearTimeout clears intervals too.
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private track(timer: NodeJS.Timeout): void {
    timer.unref();
    this.timers.add(timer);
  }
}

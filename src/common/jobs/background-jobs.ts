import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';

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
  every(intervalMs: number, failure: string, task: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      task()
        .catch((error: unknown) => this.logger.warn({ err: error }, failure))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    this.timers.add(timer);
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
  }
}

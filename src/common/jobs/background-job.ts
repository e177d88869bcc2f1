import type { Logger } from '@nestjs/common';

/**
 * Runs a maintenance task every `intervalMs` (pruning, reloading) for as long as the app runs:
 * the timer never keeps the process alive, and a failure is logged, never thrown. Returns the
 * function that stops it (call it from onModuleDestroy).
 */
export function repeatInBackground(
  intervalMs: number,
  task: () => Promise<unknown>,
  logger: Logger,
  failure: string,
): () => void {
  const timer = setInterval(() => {
    task().catch((error: unknown) => logger.warn({ err: error }, failure));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

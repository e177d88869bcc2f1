import { AsyncLocalStorage } from 'node:async_hooks';

/** The query bound of the work running now, when it has one of its own. */
const ownTimeout = new AsyncLocalStorage<number | null>();
/** Runs of `withQueryTimeout` not yet settled. */
let running = 0;

/**
 * Runs `work` with its queries bounded by `timeoutMs` (null: unbounded) instead of
 * DB_TIMEOUT_MS: for work nobody waits on whose queries may take minutes (migrations, pruning a
 * big table). Follows `work` through every await.
 *
 * On Node 20 an AsyncLocalStorage, once run, installs promise hooks that every promise of the
 * process pays for (~2% of a token's CPU, more of a verify's): the storage is disabled again when
 * the last such work settles, so requests pay nothing between background jobs.
 */
export async function withQueryTimeout<T>(
  timeoutMs: number | null,
  work: () => Promise<T>,
): Promise<T> {
  running += 1;
  try {
    return await ownTimeout.run(timeoutMs, work);
  } finally {
    running -= 1;
    if (running === 0) ownTimeout.disable();
  }
}

/** The bound of a query made now: the running work's own, else `otherwise`. */
export function queryTimeoutOr(otherwise: number): number | null {
  const own = ownTimeout.getStore();
  return own === undefined ? otherwise : own;
}

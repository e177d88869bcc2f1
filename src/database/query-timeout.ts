import { AsyncLocalStorage } from 'node:async_hooks';

/** The query bound of the work running now, when it has one of its own. */
const ownTimeout = new AsyncLocalStorage<number | null>();

/**
 * Runs `work` with its queries bounded by `timeoutMs` (null: unbounded) instead of
 * DB_TIMEOUT_MS: for work nobody waits on whose queries may take minutes (migrations, pruning a
 * big table). Follows `work` through every await.
 */
export function withQueryTimeout<T>(timeoutMs: number | null, work: () => T): T {
  return ownTimeout.run(timeoutMs, work);
}

/** The bound of a query made now: the running work's own, else `otherwise`. */
export function queryTimeoutOr(otherwise: number): number | null {
  const own = ownTimeout.getStore();
  return own === undefined ? otherwise : own;
}

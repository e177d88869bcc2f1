/**
 * Cold look-ups of different keys that arrive together go to the database as one query: a query
 * costs the driver, TypeORM's wrapper and (on MariaDB) a round trip more than a row does, so the
 * keys of a burst after a deploy are cheaper looked up many at a time (issue #19). A look-up
 * waits for the end of the current turn of the event loop at most (setImmediate): it is joined by
 * the misses of the requests read in the same turn, never held for a timer. Concurrent misses of
 * one key are already shared before they get here (ApiKeyCache.lookUpOnce).
 */
export class KeyLookUpBatches<T> {
  private waiting = new Map<string, Waiter<T>[]>();
  private scheduled = false;

  constructor(
    /** The rows of the keys with these hashes, by hash (an unknown hash is absent). */
    private readonly loadMany: (keyHashes: string[]) => Promise<Map<string, T>>,
    /** Keys per query at most; a larger batch is split. */
    private readonly maxBatch = 100,
  ) {}

  load(keyHash: string): Promise<T | null> {
    return new Promise<T | null>((resolve, reject) => {
      const waiters = this.waiting.get(keyHash);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(keyHash, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    const hashes = [...batch.keys()];
    for (let start = 0; start < hashes.length; start += this.maxBatch) {
      const chunk = hashes.slice(start, start + this.maxBatch);
      this.loadMany(chunk).then(
        (found) => {
          for (const keyHash of chunk) {
            const row = found.get(keyHash) ?? null;
            for (const waiter of batch.get(keyHash)!) waiter.resolve(row);
          }
        },
        (error: unknown) => {
          for (const keyHash of chunk)
            for (const waiter of batch.get(keyHash)!) waiter.reject(error);
        },
      );
    }
  }
}

interface Waiter<T> {
  resolve: (row: T | null) => void;
  reject: (error: unknown) => void;
}

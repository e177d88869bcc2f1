/**
 * Gathers the items added during one event-loop turn and hands them to `send` together, from
 * setImmediate (after the turn's I/O callbacks, as ioredis's auto-pipelining sends its commands),
 * at most `maxItems` at a time. Each caller gets its own item's result, in the order `send`
 * returns them; when `send` fails, or returns a result count that does not match, every caller of
 * that batch gets the error. Used where a Redis script would otherwise run once per request: one
 * run per turn costs ioredis's per-command work once (docs/performance.md, "Session 17").
 */
export class PerTurnBatches<Item, Result> {
  private items: Item[] = [];
  private waiting: Waiting<Result>[] = [];
  private readonly sendQueued = () => this.sendNow();

  constructor(
    private readonly send: (items: Item[]) => Promise<Result[]>,
    private readonly maxItems: number,
  ) {}

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      if (this.items.length === 0) setImmediate(this.sendQueued);
      this.items.push(item);
      this.waiting.push({ resolve, reject });
      if (this.items.length >= this.maxItems) this.sendNow();
    });
  }

  /** Sends what is queued (nothing if a full batch already went this turn). */
  private sendNow(): void {
    const items = this.items;
    const waiting = this.waiting;
    if (items.length === 0) return;
    this.items = [];
    this.waiting = [];
    const failAll = (error: unknown) => {
      for (const { reject } of waiting) reject(error);
    };
    let sent: Promise<Result[]>;
    try {
      sent = this.send(items);
    } catch (error) {
      failAll(error);
      return;
    }
    sent
      .then((results) => {
        if (!Array.isArray(results) || results.length !== waiting.length) {
          throw new TypeError(`${String(results?.length)} results for ${waiting.length} items`);
        }
        for (let i = 0; i < waiting.length; i++) waiting[i].resolve(results[i]);
      })
      // Settling an already settled promise does nothing: every caller gets exactly one answer.
      .catch(failAll);
  }
}

interface Waiting<Result> {
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

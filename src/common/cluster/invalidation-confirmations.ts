/** How one published invalidation's wait ended: every receiver confirmed, or the wait ran out. */
export interface ConfirmationOutcome {
  confirmed: number;
  expected: number;
}

interface Pending {
  confirmed: number;
  /** Unknown until Redis answers PUBLISH with its receiver count. */
  expected: number | null;
  finish: (outcome: ConfirmationOutcome) => void;
  timer: NodeJS.Timeout;
}

/**
 * Waits for every receiver of an invalidation to confirm it, never longer than `timeoutMs`. A
 * confirmation can beat PUBLISH's own reply (another connection): the wait opens before publishing.
 */
export class InvalidationConfirmations {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly timeoutMs: number) {}

  /** Opens a wait for message `id`; settle it with `expect` once the receiver count is known. */
  open(id: string): Promise<ConfirmationOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.close(id), this.timeoutMs);
      timer.unref();
      this.pending.set(id, { confirmed: 0, expected: null, finish: resolve, timer });
    });
  }

  /** PUBLISH reached `receivers` subscribers (this instance's own included, if subscribed). */
  expect(id: string, receivers: number): void {
    const wait = this.pending.get(id);
    if (!wait) return;
    wait.expected = receivers;
    this.closeIfComplete(id, wait);
  }

  confirm(id: string): void {
    const wait = this.pending.get(id);
    if (!wait) return; // late, after the wait ran out
    wait.confirmed += 1;
    this.closeIfComplete(id, wait);
  }

  /** Ends the wait now, with what has been confirmed so far. */
  close(id: string): void {
    const wait = this.pending.get(id);
    if (!wait) return;
    this.pending.delete(id);
    clearTimeout(wait.timer);
    wait.finish({ confirmed: wait.confirmed, expected: wait.expected ?? wait.confirmed });
  }

  private closeIfComplete(id: string, wait: Pending): void {
    if (wait.expected !== null && wait.confirmed >= wait.expected) this.close(id);
  }
}

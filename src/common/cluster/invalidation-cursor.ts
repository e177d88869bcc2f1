/** Gaps awaited at once, at most: a huge jump in the counter does not become a huge query. */
const MAX_GAPS = 500;

/**
 * How far an instance has read the invalidation log. A sequence number is handed out when a row is
 * inserted but seen when it commits, and on MySQL/MariaDB two inserts may commit out of order, so
 * a number skipped over is a gap, read again until it shows up or `gapWaitMs` passes (a rolled back
 * insert, or an auto-increment step above 1, leaves a gap that never fills).
 */
export class InvalidationCursor {
  /** Gaps, by sequence number, with when each was first seen. */
  private readonly gaps = new Map<number, number>();

  constructor(
    private last: number,
    private readonly gapWaitMs: number,
  ) {}

  /** What to read next: entries after `after`, and the gaps still awaited. */
  next(now: number): { after: number; missing: number[] } {
    for (const [seq, since] of this.gaps) if (now - since > this.gapWaitMs) this.gaps.delete(seq);
    return { after: this.last, missing: [...this.gaps.keys()] };
  }

  /** Takes in the sequence numbers of a read (in ascending order). */
  advance(seqs: readonly number[], now: number): void {
    for (const seq of seqs) {
      if (this.gaps.delete(seq) || seq <= this.last) continue;
      for (let gap = Math.max(this.last + 1, seq - MAX_GAPS); gap < seq; gap++) {
        this.gaps.set(gap, now);
      }
      this.last = seq;
    }
    // The oldest go first (a Map iterates in insertion order).
    for (const seq of this.gaps.keys()) {
      if (this.gaps.size <= MAX_GAPS) break;
      this.gaps.delete(seq);
    }
  }
}

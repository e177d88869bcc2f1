import { Injectable } from '@nestjs/common';

/** Credits spent from one balance, of one version, since one moment it was set. */
export interface CreditsSpent {
  counterId: string;
  version: number;
  /** When the balance was set (created, updated, or the start of its refill period), epoch ms. */
  setAt: number;
  /** Spent minus given back; negative when more went back than was spent since the last write. */
  spent: number;
}

/**
 * The credits this instance spent since they were last written to the database. The live balance
 * is counted in Redis (or in memory); the database is where it survives a restart of both.
 * ApiKeyUsageRecorder writes them with the usage, in the same transaction, every
 * API_KEY_USAGE_FLUSH_MS and at shutdown: two flushes updating the same keys' rows at once would
 * deadlock on MariaDB. What each instance spent is a delta, so instances writing in any order
 * add up; a delta of a balance the database has since replaced (a newer version, a later refill)
 * is dropped, one of a refill the database has not seen yet is taken from the refill's amount
 * (ApiKeysRepository.writeUsage). A crash loses at most one interval of spending, which a lost
 * Redis would then hand out again.
 */
@Injectable()
export class ApiKeyCreditsRecorder {
  private pending = new Map<string, CreditsSpent>();

  /** `count` credits spent (1) or given back (-1) from the balance set at `setAt`. */
  record(counterId: string, version: number, setAt: number, count: number): void {
    const slot = `${counterId}|${version}|${setAt}`;
    const pending = this.pending.get(slot);
    if (pending) pending.spent += count;
    else this.pending.set(slot, { counterId, version, setAt, spent: count });
  }

  /** What was spent since the last call, to write; the recorder starts afresh. */
  take(): CreditsSpent[] {
    if (this.pending.size === 0) return [];
    const batch = [...this.pending.values()].filter((row) => row.spent !== 0);
    this.pending = new Map();
    return batch;
  }

  /** A batch the database refused (rolled back): it goes back in the queue. */
  putBack(batch: CreditsSpent[]): void {
    for (const row of batch) this.record(row.counterId, row.version, row.setAt, row.spent);
  }
}

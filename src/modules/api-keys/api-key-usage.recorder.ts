import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BackgroundJobs } from '../../common/jobs/background-jobs';
import { MAX_ADDRESS_LENGTH } from '../../common/http/client-address';
import { EnvironmentVariables } from '../../config/env.schema';
import { DatabaseAvailability } from '../../database/database-availability';
import { fitToColumn } from '../../database/column-bounds';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeyCreditsRecorder } from './credits/api-key-credits.recorder';

interface HourCounts {
  keyId: string;
  organizationId: string;
  requests: number;
  rejected: number;
  failed: number;
}

/** Each key's counts in one hour, by key id. */
type Hour = Map<string, HourCounts>;

const HOUR_MS = 3_600_000;

/**
 * Counts each key's requests per hour by outcome, in memory, on the request path: served
 * (`requests`), refused (`rejected`: 401/403 of the key's checks, 429) or failed by the server
 * (`failed`: 5xx). Writes them with its last use in one transaction every interval and at
 * shutdown: a crash loses at most one interval's counts, never a request.
 *
 * The counts are deltas added to the stored rows, so a request moved to another outcome after
 * its acceptance was taken out for writing (a 503 comes up to DB_TIMEOUT_MS after it, while the
 * flush waits for the same database) still moves: its hour holds requests -1 in memory, which
 * the write adds to the row holding its +1. Only at an hour's turn can a move land in the hour
 * next to the one it was counted in.
 *
 * The credits keys spent (ApiKeyCreditsRecorder) are written in the same transaction.
 */
@Injectable()
export class ApiKeyUsageRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeyUsageRecorder.name);
  /**
   * By the hour's start (ms), then by key: one hour but at an hour's turn. No string key or Date
   * per request: the hour's Date is made when it is written (issue #19: ~200 bytes a key less
   * between two writes, and no number-to-string conversion on the request path).
   */
  private counts = new Map<number, Hour>();
  /** The hour most requests count in, and its start. */
  private current: Hour | undefined;
  private currentStart = -1;
  /** Updated in place on every accepted request (no allocation on the hot path). */
  private lastUse = new Map<string, { at: number; ip: string }>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly jobs: BackgroundJobs,
    private readonly database: DatabaseAvailability,
    private readonly credits: ApiKeyCreditsRecorder,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.intervalMs = config.get('API_KEY_USAGE_FLUSH_MS', { infer: true });
  }

  onModuleInit(): void {
    this.jobs.every(this.intervalMs, 'API key usage flush failed', () => this.flush());
    // Counted while the database was away: written when it answers, not an interval later.
    this.database.onRecovery(() => void this.flush());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  record(keyId: string, organizationId: string, ip: string, accepted: boolean): void {
    const now = Date.now();
    const counts = this.hourOf(keyId, organizationId, now);
    if (accepted) {
      counts.requests += 1;
      const last = this.lastUse.get(keyId);
      if (last) {
        last.at = now;
        last.ip = ip;
      } else this.lastUse.set(keyId, { at: now, ip });
    } else {
      counts.rejected += 1;
    }
  }

  /** A request of the key the server failed to answer before it was accepted (5xx in verify). */
  recordFailed(keyId: string, organizationId: string): void {
    this.hourOf(keyId, organizationId, Date.now()).failed += 1;
  }

  /**
   * A request authentication accepted (and counted) but a later check refused (rate limit): it
   * moves from `requests` to `rejected`, so each request is counted once, by its outcome.
   */
  reclassifyAsRejected(keyId: string, organizationId: string): void {
    const counts = this.hourOf(keyId, organizationId, Date.now());
    counts.requests -= 1;
    counts.rejected += 1;
  }

  /**
   * A request accepted (and counted) that the server then failed to answer (5xx): it moves from
   * `requests` to `failed`. `startedAt` is when the request came in, the hour it was counted in.
   */
  reclassifyAsFailed(keyId: string, organizationId: string, startedAt: number): void {
    const counts = this.hourOf(keyId, organizationId, startedAt);
    counts.requests -= 1;
    counts.failed += 1;
  }

  /** The counts of the key's hour holding `at`, made at its first request in that hour. */
  private hourOf(keyId: string, organizationId: string, at: number): HourCounts {
    const periodStart = at - (at % HOUR_MS);
    let hour = periodStart === this.currentStart ? this.current : this.counts.get(periodStart);
    if (!hour) {
      hour = new Map();
      this.counts.set(periodStart, hour);
    }
    if (periodStart >= this.currentStart) {
      this.current = hour;
      this.currentStart = periodStart;
    }
    let counts = hour.get(keyId);
    if (!counts) {
      counts = { keyId, organizationId, requests: 0, rejected: 0, failed: 0 };
      hour.set(keyId, counts);
    }
    return counts;
  }

  /** Writes what has been counted so far; concurrent callers share one write. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const spent = this.credits.take();
    if (this.counts.size === 0 && this.lastUse.size === 0 && spent.length === 0) return;
    const counts = this.counts;
    const lastUse = this.lastUse;
    this.counts = new Map();
    this.current = undefined;
    this.currentStart = -1;
    this.lastUse = new Map();
    try {
      await this.keys.writeUsage(
        [...counts].flatMap(([periodStart, hour]) => {
          const at = new Date(periodStart);
          return [...hour.values()].map((row) => ({ ...row, periodStart: at }));
        }),
        // Fitted to last_ip: a value too long would fail the whole batch on MariaDB, every retry.
        [...lastUse].map(([keyId, use]) => ({
          keyId,
          at: new Date(use.at),
          ip: fitToColumn(use.ip, MAX_ADDRESS_LENGTH),
        })),
        spent,
      );
    } catch (error) {
      this.credits.putBack(spent);
      // Rolled back as a whole, so all of it goes back in the queue; a connection lost during the
      // commit itself may count it twice (usage is written at least once).
      this.logger.warn({ err: error }, 'Could not write API key usage; will retry');
      void this.database.failed(error);
      for (const [periodStart, hour] of counts) {
        for (const row of hour.values()) {
          const pending = this.hourOf(row.keyId, row.organizationId, periodStart);
          pending.requests += row.requests;
          pending.rejected += row.rejected;
          pending.failed += row.failed;
        }
      }
      // Newer uses recorded meanwhile win over the batch's.
      for (const [keyId, use] of lastUse)
        if (!this.lastUse.has(keyId)) this.lastUse.set(keyId, use);
    }
  }
}

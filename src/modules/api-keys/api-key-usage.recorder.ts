import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BackgroundJobs } from '../../common/jobs/background-jobs';
import { MAX_ADDRESS_LENGTH } from '../../common/http/client-address';
import { EnvironmentVariables } from '../../config/env.schema';
import { DatabaseAvailability } from '../../database/database-availability';
import { fitToColumn } from '../../database/column-bounds';
import { ApiKeysRepository } from './api-keys.repository';

interface HourCounts {
  keyId: string;
  organizationId: string;
  periodStart: Date;
  requests: number;
  rejected: number;
}

const HOUR_MS = 3_600_000;

/**
 * Counts each key's requests and rejections per hour in memory, on the request path, and writes
 * them with its last use in one transaction every interval and at shutdown: a crash loses at most
 * one interval's counts, never a request.
 */
@Injectable()
export class ApiKeyUsageRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeyUsageRecorder.name);
  private counts = new Map<string, HourCounts>();
  /** Updated in place on every accepted request (no allocation on the hot path). */
  private lastUse = new Map<string, { at: number; ip: string }>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly jobs: BackgroundJobs,
    private readonly database: DatabaseAvailability,
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
    const periodStart = now - (now % HOUR_MS);
    const slot = `${keyId}|${periodStart}`;
    let counts = this.counts.get(slot);
    if (!counts) {
      counts = {
        keyId,
        organizationId,
        periodStart: new Date(periodStart),
        requests: 0,
        rejected: 0,
      };
      this.counts.set(slot, counts);
    }
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

  /**
   * A request authentication accepted (and counted) but a later check refused (rate limit): it
   * moves from `requests` to `rejected`, so each request is counted once, by its outcome.
   */
  reclassifyAsRejected(keyId: string): void {
    const now = Date.now();
    const counts = this.counts.get(`${keyId}|${now - (now % HOUR_MS)}`);
    if (!counts || counts.requests === 0) return;
    counts.requests -= 1;
    counts.rejected += 1;
  }

  /** Writes what has been counted so far; concurrent callers share one write. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0 && this.lastUse.size === 0) return;
    const counts = this.counts;
    const lastUse = this.lastUse;
    this.counts = new Map();
    this.lastUse = new Map();
    try {
      await this.keys.writeUsage(
        [...counts.values()],
        // Fitted to last_ip: a value too long would fail the whole batch on MariaDB, every retry.
        [...lastUse].map(([keyId, use]) => ({
          keyId,
          at: new Date(use.at),
          ip: fitToColumn(use.ip, MAX_ADDRESS_LENGTH),
        })),
      );
    } catch (error) {
      // Rolled back as a whole, so all of it goes back in the queue; a connection lost during the
      // commit itself may count it twice (usage is written at least once).
      this.logger.warn({ err: error }, 'Could not write API key usage; will retry');
      void this.database.failed(error);
      for (const [slot, row] of counts) {
        const pending = this.counts.get(slot);
        if (pending) {
          pending.requests += row.requests;
          pending.rejected += row.rejected;
        } else this.counts.set(slot, row);
      }
      // Newer uses recorded meanwhile win over the batch's.
      for (const [keyId, use] of lastUse)
        if (!this.lastUse.has(keyId)) this.lastUse.set(keyId, use);
    }
  }
}

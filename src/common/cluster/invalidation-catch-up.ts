import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EnvironmentVariables } from '../../config/env.schema';
import { LONGEST_CACHE_LIFETIME_MS } from '../cache/invalidatable-cache';
import { BackgroundJobs } from '../jobs/background-jobs';
import type { Invalidation } from './cache-invalidation.bus';
import { CacheInvalidationBus } from './cache-invalidation.bus';
import { CacheInvalidationLog } from './cache-invalidation-log';
import { InvalidationCursor } from './invalidation-cursor';

/** Entries read at once; more are read in further pages at once. */
const PAGE_SIZE = 500;
/** Longer than any instance needs them: past the caches' lifetime nothing holds what they drop. */
const RETENTION_MS = 3_600_000;
const PRUNE_INTERVAL_MS = 600_000;

/**
 * Applies here the changes other instances logged, every INVALIDATION_POLL_MS and at once when
 * Redis comes back, so an instance converges on every change whether or not Redis brought it;
 * Redis stays the fast path. A background job: requests never wait for it. If the database cannot
 * be read either, cached entries still expire (LONGEST_CACHE_LIFETIME_MS), then answer stale for
 * STALE_IF_ERROR_SECONDS at most while it stays out of reach (StalePolicy).
 */
@Injectable()
export class InvalidationCatchUp implements OnApplicationBootstrap {
  private readonly logger = new Logger(InvalidationCatchUp.name);
  private readonly pollMs: number;
  private readonly staleIfErrorSeconds: number;
  /** Null until the log's newest entry is known (read at start, or at the first read that works). */
  private cursor: InvalidationCursor | null = null;
  private running: Promise<void> | null = null;
  private runAgain = false;
  private failing = false;

  constructor(
    private readonly log: CacheInvalidationLog,
    private readonly bus: CacheInvalidationBus,
    private readonly jobs: BackgroundJobs,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.pollMs = config.get('INVALIDATION_POLL_MS', { infer: true });
    this.staleIfErrorSeconds = config.get('STALE_IF_ERROR_SECONDS', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Caches are empty at start: only what comes after the newest entry matters.
    await this.catchUp();
    this.bus.onSubscribed(() => void this.catchUp());
    this.jobs.every(this.pollMs, 'Reading the invalidation log failed', () => this.catchUp());
    this.jobs.every(
      PRUNE_INTERVAL_MS,
      'Pruning the invalidation log failed',
      () => this.log.pruneBefore(new Date(Date.now() - RETENTION_MS)),
      { runSoonAfterStart: true },
    );
  }

  /**
   * Reads and applies what was logged since the last read. One read at a time: a call during one
   * runs once more after it (a reconnect during a poll still reads what came meanwhile). Never throws.
   */
  catchUp(): Promise<void> {
    if (this.running) {
      this.runAgain = true;
      return this.running;
    }
    this.running = this.readAll().finally(() => {
      this.running = null;
      if (this.runAgain) {
        this.runAgain = false;
        void this.catchUp();
      }
    });
    return this.running;
  }

  private async readAll(): Promise<void> {
    try {
      if (!this.cursor) {
        this.cursor = new InvalidationCursor(await this.log.newestSeq(), LONGEST_CACHE_LIFETIME_MS);
      } else {
        let more = true;
        while (more) more = await this.readPage(this.cursor);
      }
      this.reportReadable(true);
    } catch (error) {
      this.reportReadable(false, error);
    }
  }

  /** Applies one page; answers whether it was full (there may be more). */
  private async readPage(cursor: InvalidationCursor): Promise<boolean> {
    const { after, missing } = cursor.next(Date.now());
    const entries = await this.log.read(after, missing, PAGE_SIZE);
    for (const entry of entries) {
      if (this.bus.takeApplied(entry.seq)) continue;
      const event = this.parse(entry.event);
      if (event) this.bus.applyHere(event);
    }
    cursor.advance(
      entries.map((entry) => entry.seq),
      Date.now(),
    );
    return entries.length === PAGE_SIZE;
  }

  private parse(raw: string): Invalidation | null {
    try {
      return JSON.parse(raw) as Invalidation;
    } catch {
      this.logger.warn('Ignored a malformed entry of the invalidation log');
      return null;
    }
  }

  /** Logs when reading starts failing and when it works again, not every failed poll. */
  private reportReadable(readable: boolean, error?: unknown): void {
    if (readable === !this.failing) return;
    this.failing = !readable;
    if (readable) this.logger.log('The invalidation log is readable again');
    else
      this.logger.warn(
        { err: error },
        'Cannot read the invalidation log: changes other instances make reach this one over ' +
          `Redis only, or as cached entries expire (${LONGEST_CACHE_LIFETIME_MS / 1000} s at most, ` +
          `and ${this.staleIfErrorSeconds} s more while the database cannot be reached)`,
      );
  }
}

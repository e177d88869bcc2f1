import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { databaseErrorCode, isDatabaseDown } from './errors';
import { EnvironmentVariables } from '../config/env.schema';

/** A probe's `SELECT 1` must answer this fast (or DB_TIMEOUT_MS if shorter): health's bound. */
const PROBE_TIMEOUT_MS = 1000;
/** Between two probes while the database does not answer. */
const PROBE_INTERVAL_MS = 250;

interface Outage {
  /** Resolves when the database answers again. */
  back: Promise<void>;
  end: () => void;
  /** When it began and when its count was last logged (epoch ms). */
  since: number;
  reportedAt: number;
  /** Requests answered 503 for it: in all, and since its count was last logged. */
  refused: number;
  refusedSinceReport: number;
}

/**
 * Whether the database answers. Work held back while it does not (queued audit events, API key
 * usage) must go as soon as it does again, not after a retry backoff of up to 30 s: from the first
 * failure that says it cannot be reached, it is probed every 250 ms, and its first answer wakes
 * whoever waits. The health check's probes count too.
 *
 * It also owns the outage's log, whatever the request rate: one line when it begins, one every
 * DB_OUTAGE_LOG_INTERVAL_MS with the requests refused with 503 meanwhile (the exception filter
 * counts them here instead of logging each), one when it ends.
 */
@Injectable()
export class DatabaseAvailability implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseAvailability.name);
  private readonly probeTimeoutMs: number;
  private readonly reportIntervalMs: number;
  private readonly recoveryListeners: (() => void)[] = [];
  private outage: Outage | null = null;
  /** The probe in flight: health checks and the outage's loop share it. */
  private probing: Promise<boolean> | null = null;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.probeTimeoutMs = Math.min(PROBE_TIMEOUT_MS, config.get('DB_TIMEOUT_MS', { infer: true }));
    this.reportIntervalMs = config.get('DB_OUTAGE_LOG_INTERVAL_MS', { infer: true });
  }

  /**
   * A query failed. When its error says the database cannot be reached (down, or too slow to
   * answer), resolves once it answers again; null when the database answered, with a refusal.
   */
  failed(error: unknown): Promise<void> | null {
    return isDatabaseDown(error) ? this.begin(error).back : null;
  }

  /**
   * A request was answered 503 because of `error` (the database cannot be reached): counted in
   * the outage's log, begun if this is the first sign of it.
   */
  refused(error: unknown): void {
    if (!isDatabaseDown(error)) return;
    const outage = this.begin(error);
    outage.refused += 1;
    outage.refusedSinceReport += 1;
  }

  /** Whether an outage began (a failure or a probe said so) and no probe has been answered since. */
  isDown(): boolean {
    return this.outage !== null;
  }

  /** `listener` runs each time the database answers after an outage. */
  onRecovery(listener: () => void): void {
    this.recoveryListeners.push(listener);
  }

  /** Whether `SELECT 1` answers within the probe timeout; ends or begins an outage. */
  probe(): Promise<boolean> {
    this.probing ??= this.selectOne().then((answered) => {
      this.probing = null;
      if (answered) this.end();
      else this.begin();
      return answered;
    });
    return this.probing;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private begin(error?: unknown): Outage {
    if (this.outage) return this.outage;
    let end!: () => void;
    const back = new Promise<void>((resolve) => (end = resolve));
    const now = Date.now();
    const outage: Outage = {
      back,
      end,
      since: now,
      reportedAt: now,
      refused: 0,
      refusedSinceReport: 0,
    };
    this.outage = outage;
    // The cause's code only: its stack says nothing about a database that went away.
    this.logger.error(
      { code: error === undefined ? 'no answer' : databaseErrorCode(error) },
      `Database unavailable: requests that need it get 503; probing it every ${PROBE_INTERVAL_MS} ms`,
    );
    void this.probeUntilBack(outage);
    return outage;
  }

  private end(): void {
    const outage = this.outage;
    if (!outage) return;
    this.outage = null;
    const unavailableMs = Date.now() - outage.since;
    this.logger.log(
      { unavailable_ms: unavailableMs, refused: outage.refused },
      `Database available again after ${seconds(unavailableMs)} s; ` +
        `${outage.refused} requests refused with 503 while it was unavailable`,
    );
    outage.end();
    for (const listener of this.recoveryListeners) listener();
  }

  /** One loop per outage: it ends with its outage (a later outage has a loop of its own). */
  private async probeUntilBack(outage: Outage): Promise<void> {
    while (this.outage === outage && !this.stopped) {
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS).unref());
      if (this.outage === outage && !this.stopped) await this.probe();
      if (this.outage === outage && !this.stopped) this.reportIfDue(outage);
    }
  }

  /** Every DB_OUTAGE_LOG_INTERVAL_MS of an outage: that it goes on, and what it refused. */
  private reportIfDue(outage: Outage): void {
    const now = Date.now();
    const sinceReportMs = now - outage.reportedAt;
    if (sinceReportMs < this.reportIntervalMs) return;
    this.logger.warn(
      { unavailable_ms: now - outage.since, refused: outage.refusedSinceReport },
      `Database still unavailable after ${seconds(now - outage.since)} s: ` +
        `${outage.refusedSinceReport} requests refused with 503 in the last ${seconds(sinceReportMs)} s`,
    );
    outage.reportedAt = now;
    outage.refusedSinceReport = 0;
  }

  private async selectOne(): Promise<boolean> {
    if (!this.dataSource.isInitialized) return false;
    let timer: NodeJS.Timeout | undefined;
    const tooLate = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.probeTimeoutMs).unref();
    });
    try {
      // The query itself is bounded too (DB_TIMEOUT_MS): one left behind here ends on its own.
      return await Promise.race([
        this.dataSource.query('SELECT 1').then(
          () => true,
          () => false,
        ),
        tooLate,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** 12345 ms -> "12.3". */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

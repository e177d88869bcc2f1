import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { isDatabaseDown } from './errors';
import { EnvironmentVariables } from '../config/env.schema';

/** A probe's `SELECT 1` must answer this fast (or DB_TIMEOUT_MS if shorter): health's bound. */
const PROBE_TIMEOUT_MS = 1000;
/** Between two probes while the database does not answer. */
const PROBE_INTERVAL_MS = 250;

interface Outage {
  /** Resolves when the database answers again. */
  back: Promise<void>;
  end: () => void;
}

/**
 * Whether the database answers. Work held back while it does not (queued audit events, API key
 * usage) must go as soon as it does again, not after a retry backoff of up to 30 s: from the first
 * failure that says it cannot be reached, it is probed every 250 ms, and its first answer wakes
 * whoever waits. The health check's probes count too.
 */
@Injectable()
export class DatabaseAvailability implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseAvailability.name);
  private readonly probeTimeoutMs: number;
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
  }

  /**
   * A query failed. When its error says the database cannot be reached (down, or too slow to
   * answer), resolves once it answers again; null when the database answered, with a refusal.
   */
  failed(error: unknown): Promise<void> | null {
    return isDatabaseDown(error) ? this.begin().back : null;
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

  private begin(): Outage {
    if (this.outage) return this.outage;
    let end!: () => void;
    const back = new Promise<void>((resolve) => (end = resolve));
    this.outage = { back, end };
    this.logger.warn('The database does not answer; probing it until it does');
    void this.probeUntilBack();
    return this.outage;
  }

  private end(): void {
    const outage = this.outage;
    if (!outage) return;
    this.outage = null;
    this.logger.log('The database answers again');
    outage.end();
    for (const listener of this.recoveryListeners) listener();
  }

  private async probeUntilBack(): Promise<void> {
    while (this.outage && !this.stopped) {
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS).unref());
      if (this.outage && !this.stopped) await this.probe();
    }
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

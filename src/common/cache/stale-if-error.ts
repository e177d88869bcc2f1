import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../../config/env.schema';
import { DatabaseAvailability } from '../../database/database-availability';
import { Clock } from '../time/clock';
import { StalePolicy } from './stale-policy';

/**
 * The app's StalePolicy: a database blip must not fail every verify of an organization, since the
 * key, token, role and plan entries a verify needs run out on clocks of their own. While the
 * database cannot be reached, what was cached answers for STALE_IF_ERROR_SECONDS more; an
 * invalidation (a revoke, a logout, a role or plan change) that reaches the instance drops it
 * all the same.
 */
@Injectable()
export class StaleIfError extends StalePolicy {
  readonly windowMs: number;
  readonly lifetimeClock: { now(): number };

  constructor(
    private readonly database: DatabaseAvailability,
    clock: Clock,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    super();
    this.windowMs = config.get('STALE_IF_ERROR_SECONDS', { infer: true }) * 1000;
    this.lifetimeClock = { now: () => clock.monotonic() };
  }

  /** Known from a failed look-up or probe, until a probe (every 250 ms) finds it answering again. */
  databaseKnownDown(): boolean {
    return this.database.isDown();
  }

  /** Such a failure also starts the probing that tells when the database is back. */
  unreachable(error: unknown): boolean {
    return this.database.failed(error) !== null;
  }
}

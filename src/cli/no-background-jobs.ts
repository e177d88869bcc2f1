import { Injectable } from '@nestjs/common';
import { BackgroundJobs } from '../common/jobs/background-jobs';

/**
 * BackgroundJobs for an operator command: it runs once and exits, so the jobs its providers would
 * start (reloading signing keys every minute, say) are not started. Their names are kept, for the
 * test that checks none ran.
 */
@Injectable()
export class NoBackgroundJobs extends BackgroundJobs {
  readonly skipped: string[] = [];

  override every(_intervalMs: number, failure: string): void {
    this.skipped.push(failure);
  }
}

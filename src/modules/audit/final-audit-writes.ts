import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AuditRecorder } from './audit-recorder.service';
import { AuditWriter } from './audit-writer';

/**
 * The last audit events of a stopping instance, written while the database is still open. Nest
 * shuts modules down shallowest first and the global ones last, TypeORM's (which closes the
 * DataSource) before the audit module's: the writer's own shutdown hook found the database
 * closed, and on MariaDB lost what was still queued. Provided by the app module, whose hook runs
 * first, after the HTTP server has closed (no more requests to record).
 */
@Injectable()
export class FinalAuditWrites implements OnApplicationShutdown {
  constructor(
    private readonly recorder: AuditRecorder,
    private readonly writer: AuditWriter,
  ) {}

  onApplicationShutdown(): Promise<void> {
    this.recorder.flushAllCounted();
    return this.writer.finish();
  }
}

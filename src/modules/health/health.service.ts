import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RedisConnections } from '../../common/cluster/redis-connections';
import { DatabaseAvailability } from '../../database/database-availability';
import { AuditWriter } from '../audit/audit-writer';

export interface HealthReport {
  status: 'ok' | 'degraded';
  database: 'up' | 'down';
  redis: 'up' | 'down' | 'disabled';
  /**
   * Audit events this instance could never write (the database refused their content) since it
   * started; each is logged and marked in its chain. Not a reason for 503: the instance serves.
   */
  audit_events_set_aside: number;
}

type DependencyReport = Omit<HealthReport, 'audit_events_set_aside'>;

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly database: DatabaseAvailability,
    private readonly redis: RedisConnections,
    private readonly auditWriter: AuditWriter,
  ) {}

  private recent?: { at: number; report: Promise<DependencyReport> };
  /** The last answer, kept while neither the check nor the set-aside count changed. */
  private answered?: {
    from: Promise<DependencyReport>;
    setAside: number;
    report: Promise<HealthReport>;
  };

  /**
   * Load balancers probe often: one database check per second serves them all (single flight),
   * and the answer object is made once per check or count change, not per probe. A closed
   * connection is reported at once, without waiting for the next check. The check answers within
   * a second whatever the database does (DatabaseAvailability's probe), and a database that
   * answers again wakes the writers waiting for it.
   */
  check(): Promise<HealthReport> {
    const now = Date.now();
    if (!this.dataSource.isInitialized || !this.recent || now - this.recent.at >= 1000) {
      this.recent = { at: now, report: this.compute() };
    }
    const from = this.recent.report;
    const setAside = this.auditWriter.eventsSetAside;
    if (this.answered?.from !== from || this.answered.setAside !== setAside) {
      const report = from.then((dependencies) => ({
        ...dependencies,
        audit_events_set_aside: setAside,
      }));
      this.answered = { from, setAside, report };
    }
    return this.answered.report;
  }

  private async compute(): Promise<DependencyReport> {
    const database = (await this.database.probe()) ? 'up' : 'down';
    // Redis down is not "not ok": the instance keeps serving with local limits, so a load
    // balancer must not take it out of rotation for that.
    return { status: database === 'up' ? 'ok' : 'degraded', database, redis: this.redis.state() };
  }
}

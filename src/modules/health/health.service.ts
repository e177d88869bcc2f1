import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RedisConnections } from '../../common/cluster/redis-connections';

export interface HealthReport {
  status: 'ok' | 'degraded';
  database: 'up' | 'down';
  redis: 'up' | 'down' | 'disabled';
}

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisConnections,
  ) {}

  private recent?: { at: number; report: Promise<HealthReport> };

  /**
   * Load balancers probe often: one database check per second serves them all (single flight).
   * A closed connection is reported at once, without waiting for the next check.
   */
  check(): Promise<HealthReport> {
    const now = Date.now();
    if (!this.dataSource.isInitialized || !this.recent || now - this.recent.at >= 1000) {
      this.recent = { at: now, report: this.compute() };
    }
    return this.recent.report;
  }

  private async compute(): Promise<HealthReport> {
    const database = await this.databaseState();
    // Redis down is not "not ok": the instance keeps serving with local limits, so a load
    // balancer must not take it out of rotation for that.
    return { status: database === 'up' ? 'ok' : 'degraded', database, redis: this.redis.state() };
  }

  private async databaseState(): Promise<'up' | 'down'> {
    try {
      if (!this.dataSource.isInitialized) return 'down';
      await this.dataSource.query('SELECT 1');
      return 'up';
    } catch {
      return 'down';
    }
  }
}

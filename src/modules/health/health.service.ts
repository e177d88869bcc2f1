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

  async check(): Promise<HealthReport> {
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

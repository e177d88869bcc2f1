import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { RedisConnections } from '../../common/cluster/redis-connections';
import { CachedScriptRedisStorage } from './cached-script-redis.storage';
import { FixedWindowMemoryStorage } from './fixed-window-memory.storage';

/**
 * Counters in Redis (shared by every instance) when Redis is configured and reachable; in this
 * instance's memory otherwise. A Redis failure never fails a request: the limit is then enforced
 * per instance until Redis is back.
 */
export class ResilientThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(ResilientThrottlerStorage.name);
  private readonly shared: CachedScriptRedisStorage | null;
  private readonly local = new FixedWindowMemoryStorage();
  private lastFailureLoggedAt = 0;

  constructor(private readonly redis: RedisConnections) {
    this.shared = redis.commands ? new CachedScriptRedisStorage(redis.commands) : null;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (this.shared && this.redis.isReady()) {
      try {
        return await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
      } catch (error) {
        if (Date.now() - this.lastFailureLoggedAt > 10_000) {
          this.lastFailureLoggedAt = Date.now();
          this.logger.warn({ err: error }, 'Redis rate-limit counter failed; counting locally');
        }
      }
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  /**
   * Counted here and now when this instance keeps the counters itself (no Redis configured, or
   * Redis not ready); null when Redis should count it (then call `increment`).
   */
  incrementIfLocal(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): ThrottlerStorageRecord | null {
    if (this.shared && this.redis.isReady()) return null;
    return this.local.incrementNow(key, ttl, limit, throttlerName);
  }
}

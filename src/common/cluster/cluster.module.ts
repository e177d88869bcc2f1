import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CacheInvalidationBus } from './cache-invalidation.bus';
import { CacheInvalidationLog } from './cache-invalidation-log';
import { CacheInvalidationRecord } from './cache-invalidation-record.entity';
import { InvalidationCatchUp } from './invalidation-catch-up';
import { RedisConnections } from './redis-connections';

/**
 * What instances share: Redis connections (when configured) and cache invalidation, over Redis
 * and through the database's log of changes.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([CacheInvalidationRecord])],
  providers: [RedisConnections, CacheInvalidationLog, CacheInvalidationBus, InvalidationCatchUp],
  exports: [RedisConnections, CacheInvalidationBus],
})
export class ClusterModule {}

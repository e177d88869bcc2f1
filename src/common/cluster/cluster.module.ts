import { Global, Module } from '@nestjs/common';
import { CacheInvalidationBus } from './cache-invalidation.bus';
import { RedisConnections } from './redis-connections';

/** What instances share: Redis connections (when configured) and cache invalidation. */
@Global()
@Module({
  providers: [RedisConnections, CacheInvalidationBus],
  exports: [RedisConnections, CacheInvalidationBus],
})
export class ClusterModule {}

import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { RedisConnections } from '../../common/cluster/redis-connections';
import { Clock } from '../../common/time/clock';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { OrganizationLimitsCache } from './organization-limits.cache';
import { RequestRateLimiter } from '../../common/auth/request-rate-limiter';
import { RateLimiter } from './rate-limiter';
import { ResilientThrottlerStorage } from './resilient-throttler.storage';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [RedisConnections, Clock],
      // Limits are computed per request by RateLimiter; this default is never used alone.
      useFactory: (redis: RedisConnections, clock: Clock) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: 60 }],
        storage: new ResilientThrottlerStorage(redis, clock),
      }),
    }),
    OrganizationsModule,
    ApiKeysModule,
  ],
  providers: [OrganizationLimitsCache, { provide: RequestRateLimiter, useClass: RateLimiter }],
  // ThrottlerModule re-exported: its storage also counts failed logins (auth module).
  exports: [RequestRateLimiter, OrganizationLimitsCache, ThrottlerModule],
})
export class RateLimitsModule {}

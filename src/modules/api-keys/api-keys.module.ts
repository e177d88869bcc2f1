import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { UsersModule } from '../users/users.module';
import { ApiKeyAuthority } from './api-key-authority';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeyVerifier } from './api-key.verifier';
import { ApiKeyCache } from './api-key-cache';
import { ApiKeyPepper } from './api-key-pepper';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKeyUsage } from './api-key-usage.entity';
import { ApiKey } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyUsageService } from './api-key-usage.service';
import { ApiKeyCredits } from './credits/api-key-credits';
import { ApiKeyCreditsRecorder } from './credits/api-key-credits.recorder';
import { KeyPatternController } from './leaked/key-pattern.controller';
import { LeakReporters } from './leaked/leak-reporters';
import { LeakedKeysController } from './leaked/leaked-keys.controller';
import { LeakReportReceipt } from './leaked/leak-report-receipt.entity';
import { LeakedKeysRepository } from './leaked/leaked-keys.repository';
import { LeakedKeysService } from './leaked/leaked-keys.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([ApiKey, ApiKeyUsage, LeakReportReceipt]),
    UsersModule,
    OrganizationsModule,
    ServiceAccountsModule,
  ],
  controllers: [ApiKeysController, LeakedKeysController, KeyPatternController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    ApiKeyUsageService,
    ApiKeyCache,
    ApiKeyPepper,
    ApiKeyUsageRecorder,
    ApiKeyCreditsRecorder,
    ApiKeyCredits,
    ApiKeyStrategy,
    ApiKeyAuthority,
    ApiKeyVerifier,
    LeakReporters,
    LeakedKeysRepository,
    LeakedKeysService,
  ],
  exports: [ApiKeysRepository, ApiKeyCache, ApiKeyPepper, ApiKeyUsageRecorder],
})
export class ApiKeysModule {}

import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClusterModule } from './common/cluster/cluster.module';
import { CommonModule } from './common/common.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { ContractValidationPipe } from './common/errors/validation.pipe';
import { Clock } from './common/time/clock';
import { ClockModule } from './common/time/clock.module';
import { EnvironmentVariables } from './config/env.schema';
import { environmentConfigModule } from './config/environment-config';
import { buildDataSourceOptions, openDataSource } from './database/data-source';
import { ApiKeysModule } from './modules/api-keys/api-keys.module';
import { FinalAuditWrites } from './modules/audit/final-audit-writes';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { ConsoleModule } from './modules/console/console.module';
import { ExamplesModule } from './modules/examples/examples.module';
import { HealthModule } from './modules/health/health.module';
import { InstanceAdminModule } from './modules/instance-admin/instance-admin.module';
import { OAuthModule } from './modules/oauth/oauth.module';
import { OrganizationsModule } from './modules/organizations/organizations.module';
import { ServiceAccountsModule } from './modules/service-accounts/service-accounts.module';
import { SsoModule } from './modules/sso/sso.module';
import { TokensModule } from './modules/tokens/tokens.module';
import { UsersModule } from './modules/users/users.module';

export interface AppModuleOptions {
  env: EnvironmentVariables;
  /** The system clock unless a test brings its own (rate-limit windows, failure locks). */
  clock?: Clock;
  /** Mounted beside the app's own modules: test-only routes (tests never reach production). */
  extraModules?: (Type | DynamicModule)[];
}

@Module({})
export class AppModule {
  static forRoot({ env, clock, extraModules = [] }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        environmentConfigModule(env),
        TypeOrmModule.forRootAsync({
          useFactory: () =>
            buildDataSourceOptions({
              url: env.DATABASE_URL,
              sqlitePath: env.SQLITE_PATH,
              migrationsRun: env.DB_MIGRATIONS_RUN,
              timeoutMs: env.DB_TIMEOUT_MS,
            }),
          dataSourceFactory: (options) => openDataSource(options!),
        }),
        ClockModule.forRoot(clock),
        CommonModule,
        ClusterModule,
        AuditModule,
        UsersModule,
        OrganizationsModule,
        TokensModule,
        ApiKeysModule,
        AuthModule,
        OAuthModule,
        ServiceAccountsModule,
        SsoModule,
        InstanceAdminModule,
        ExamplesModule,
        HealthModule,
        ConsoleModule,
        ...extraModules,
      ],
      providers: [
        { provide: APP_PIPE, useClass: ContractValidationPipe },
        // Also by its class: the fast lane answers its errors through the same filter.
        AllExceptionsFilter,
        { provide: APP_FILTER, useExisting: AllExceptionsFilter },
        FinalAuditWrites,
      ],
    };
  }
}

import {
  DynamicModule,
  Global,
  INestApplicationContext,
  LoggerService,
  LogLevel,
  Module,
  Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MasterKeyService } from '../common/crypto/master-key';
import { BackgroundJobs } from '../common/jobs/background-jobs';
import { EnvironmentVariables } from '../config/env.schema';
import { environmentConfigModule } from '../config/environment-config';
import { buildDataSourceOptions } from '../database/data-source';
import { openMigratedDataSource } from './migrated-data-source';
import { NoBackgroundJobs } from './no-background-jobs';

/** What every operator command may use: the master key, and background jobs that never start. */
@Global()
@Module({
  providers: [MasterKeyService, { provide: BackgroundJobs, useClass: NoBackgroundJobs }],
  exports: [MasterKeyService, BackgroundJobs],
})
class OperatorCommonModule {}

/**
 * The application context of an operator command (`npm run keys:rotate`, and the ones to come):
 * the validated configuration, the database and the feature modules the command names, and
 * nothing else: no HTTP server, no Redis, no cache invalidation, no background jobs, no
 * migrations run (a database whose schema is behind fails with PendingMigrationsError).
 */
@Module({})
export class OperatorModule {
  /** `dataSource`: opened (and its migrations checked) by createOperatorContext. */
  static forRoot(
    env: EnvironmentVariables,
    dataSource: DataSource,
    features: (Type | DynamicModule)[],
  ): DynamicModule {
    return {
      module: OperatorModule,
      imports: [
        environmentConfigModule(env),
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSource.options,
          // Already initialized: used as it is, and destroyed when the context closes.
          dataSourceFactory: () => Promise.resolve(dataSource),
        }),
        OperatorCommonModule,
        ...features,
      ],
    };
  }
}

export interface OperatorContextOptions {
  /** Nest's console logger at these levels by default (warnings and errors). */
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Boots an operator command's context; its errors are thrown, never a process.exit. The database
 * is opened and checked first, so a schema that is behind is one clear message, before Nest.
 */
export async function createOperatorContext(
  env: EnvironmentVariables,
  features: (Type | DynamicModule)[],
  options: OperatorContextOptions = {},
): Promise<INestApplicationContext> {
  const dataSource = await openMigratedDataSource(
    buildDataSourceOptions({
      url: env.DATABASE_URL,
      sqlitePath: env.SQLITE_PATH,
      migrationsRun: false,
    }),
  );
  try {
    return await NestFactory.createApplicationContext(
      OperatorModule.forRoot(env, dataSource, features),
      { logger: options.logger ?? ['error', 'warn'], abortOnError: false },
    );
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    throw error;
  }
}

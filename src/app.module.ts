import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { ClusterModule } from './common/cluster/cluster.module';
import { CommonModule } from './common/common.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { ContractValidationPipe } from './common/errors/validation.pipe';
import { redactUrl } from './common/http/redaction';
import { EnvironmentVariables } from './config/env.schema';
import { buildDataSourceOptions } from './database/data-source';
import { ApiKeysModule } from './modules/api-keys/api-keys.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { ExamplesModule } from './modules/examples/examples.module';
import { HealthModule } from './modules/health/health.module';
import { OrganizationsModule } from './modules/organizations/organizations.module';
import { TokensModule } from './modules/tokens/tokens.module';
import { UsersModule } from './modules/users/users.module';

export interface AppModuleOptions {
  env: EnvironmentVariables;
  /** Where JSON log lines go (stdout by default); tests pass a stream to read them. */
  logStream?: DestinationStream;
}

interface LoggedRequest {
  id?: string;
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  socket?: { remoteAddress?: string };
}

@Module({})
export class AppModule {
  static forRoot({ env, logStream }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => ({ ...env })],
        }),
        LoggerModule.forRoot({
          pinoHttp: [
            {
              level: env.LOG_LEVEL,
              genReqId: (req: LoggedRequest) => req.id ?? 'unknown',
              // Whitelist what a request log shows: never headers that carry credentials, and
              // the URL with secret query parameters (`api_key`, ...) masked.
              serializers: {
                req: (req: LoggedRequest) => ({
                  id: req.id,
                  method: req.method,
                  url: redactUrl(req.url ?? ''),
                  user_agent: req.headers?.['user-agent'],
                  remote_address: req.socket?.remoteAddress,
                }),
                res: (res: { statusCode?: number }) => ({ status_code: res.statusCode }),
              },
              redact: {
                paths: [
                  'req.headers.authorization',
                  'req.headers["x-api-key"]',
                  'req.headers.cookie',
                  '*.password',
                  '*.refresh_token',
                  '*.access_token',
                ],
                censor: '[REDACTED]',
              },
              customProps: (req: LoggedRequest) => ({ request_id: req.id }),
            },
            ...(logStream ? [logStream] : []),
          ] as never,
        }),
        TypeOrmModule.forRoot(
          buildDataSourceOptions({
            url: env.DATABASE_URL,
            sqlitePath: env.SQLITE_PATH,
            migrationsRun: env.DB_MIGRATIONS_RUN,
          }),
        ),
        CommonModule,
        ClusterModule,
        AuditModule,
        UsersModule,
        OrganizationsModule,
        TokensModule,
        ApiKeysModule,
        AuthModule,
        ExamplesModule,
        HealthModule,
      ],
      providers: [
        { provide: APP_PIPE, useClass: ContractValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}

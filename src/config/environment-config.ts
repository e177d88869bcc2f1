import { ConfigModule } from '@nestjs/config';
import { EnvironmentVariables } from './env.schema';

/**
 * The ConfigService of the validated environment (defaults applied), global: for the app and for
 * operator commands alike. Reads no .env file and not process.env again: what was validated is
 * what is served.
 */
export function environmentConfigModule(env: EnvironmentVariables) {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    skipProcessEnv: true,
    load: [() => ({ ...env })],
  });
}

import 'reflect-metadata';
import { EnvironmentVariables, validateEnvironment } from '../config/env.schema';
import { SigningKeysService } from '../modules/tokens/signing-keys.service';
import { TokensModule } from '../modules/tokens/tokens.module';
import { createOperatorContext, OperatorContextOptions } from './operator-context';

/**
 * Retires the current signing key and creates a new one, in a context of the database and the
 * tokens module only (see operator-context.ts). Running instances pick the new key up within a
 * minute; the old public key stays in the JWKS until the tokens it signed have expired.
 */
export async function rotateSigningKey(
  env: EnvironmentVariables,
  options: OperatorContextOptions = {},
): Promise<{ retired: string | null; created: string }> {
  const context = await createOperatorContext(env, [TokensModule], options);
  try {
    return await context.get(SigningKeysService).rotate();
  } finally {
    await context.close();
  }
}

/** `npm run keys:rotate`: prints `{"retired": ..., "created": ...}`. */
async function main(): Promise<void> {
  const env = validateEnvironment({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  console.log(JSON.stringify(await rotateSigningKey(env)));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

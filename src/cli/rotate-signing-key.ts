import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { validateEnvironment } from '../config/env.schema';
import { SigningKeysService } from '../modules/tokens/signing-keys.service';

/**
 * `npm run keys:rotate`: retires the current signing key and creates a new one. Running
 * instances pick the new key up within a minute; the old public key stays in the JWKS until the
 * tokens it signed have expired.
 */
async function rotate(): Promise<void> {
  const env = validateEnvironment({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const context = await NestFactory.createApplicationContext(AppModule.forRoot({ env }), {
    logger: ['error', 'warn'],
  });
  const result = await context.get(SigningKeysService).rotate();
  console.log(JSON.stringify(result));
  await context.close();
}

rotate().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

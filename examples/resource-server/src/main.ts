import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ResourceServerModule } from './app.module';

/**
 * TESSERA_ISSUER: Tessera's issuer (its tokens' `iss`); TESSERA_URL: where to reach it, if not
 * there; API_KEY_CACHE_TTL_MS: how long an API key's answer is reused (default 10 s).
 */
async function bootstrap(): Promise<void> {
  const issuer = process.env.TESSERA_ISSUER ?? 'http://localhost:3000';
  const app = await NestFactory.create<NestFastifyApplication>(
    ResourceServerModule.forTessera({
      issuer,
      baseUrl: process.env.TESSERA_URL,
      apiKeyCacheTtlMs: process.env.API_KEY_CACHE_TTL_MS
        ? Number(process.env.API_KEY_CACHE_TTL_MS)
        : undefined,
    }),
    new FastifyAdapter(),
  );
  const port = Number(process.env.PORT ?? 4000);
  await app.listen(port, '127.0.0.1');
  console.log(`resource server on http://127.0.0.1:${port}, trusting ${issuer}`);
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

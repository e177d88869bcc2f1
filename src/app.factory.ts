import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { requestContext } from './common/http/request-context';
import { requestIdFor } from './common/http/request-id';
import { EnvironmentVariables, validateEnvironment } from './config/env.schema';
import { setupOpenApi } from './openapi';

export interface CreateAppOptions {
  /** Overrides of process.env (tests give each app its own database and settings). */
  env?: Record<string, string | undefined>;
  logStream?: DestinationStream;
}

/** `TRUST_PROXY`: false, true, a hop count, or a comma-separated list of addresses/CIDRs. */
function trustProxySetting(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim());
}

/**
 * Builds the Tessera application: the one factory main.ts and every e2e test use, so tests run
 * exactly what production runs.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const env: EnvironmentVariables = validateEnvironment({ ...process.env, ...options.env });
  const adapter = new FastifyAdapter({
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy: trustProxySetting(env.TRUST_PROXY),
    genReqId: requestIdFor,
    logger: false,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ env, logStream: options.logStream }),
    adapter,
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  // The request context (request id, client IP, user agent; the principal once known) for the
  // audit log. Entered in preHandler, after the body is read, so the async context is not lost
  // to the socket's data events; the route handler (guards included) runs inside it.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const userAgent = request.headers['user-agent'];
    requestContext.run(
      {
        requestId: String(request.id),
        ip: request.ip,
        userAgent: typeof userAgent === 'string' ? userAgent : null,
      },
      done,
    );
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
      },
    },
  });
  setupOpenApi(app, env);
  await app.init();
  await fastify.ready();
  return app;
}

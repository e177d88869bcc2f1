import { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { registerFormBodies } from './common/http/form-body';
import { registerRawBodies } from './common/http/raw-body';
import { clientErrorHandler, routerErrorHandler } from './common/http/framework-errors';
import { requestIdFor } from './common/http/request-id';
import { DOCUMENT_PATH_PREFIX, securityHeaders } from './common/http/security-headers';
import { createLogger, PinoNestLogger } from './common/logging/logger';
import { RequestLog } from './common/logging/request-log';
import { StdoutDestination } from './common/logging/stdout-destination';
import { Clock } from './common/time/clock';
import { EnvironmentVariables, validateEnvironment } from './config/env.schema';
import { VerifyRoute } from './modules/auth/verify-route';
import { DirectRoutes } from './common/http/direct-routes';
import { registerPagePlugins } from './modules/oauth/pages/page-plugins';
import { setupOpenApi } from './openapi';
import { requestIpResolver, trustProxySetting } from './common/http/trust-proxy';
import { FastLane } from './common/http/fast-lane';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';

export interface CreateAppOptions {
  /** Overrides of process.env (tests give each app its own database and settings). */
  env?: Record<string, string | undefined>;
  /** Where JSON log lines go (stdout by default); tests pass a stream to read them. */
  logStream?: DestinationStream;
  /** The clock of rate-limit windows and failure locks; tests pass one they move by hand. */
  clock?: Clock;
  /** Modules mounted beside the app's own: tests add test-only routes (e.g. under /oauth/test). */
  extraModules?: (Type | DynamicModule)[];
  /**
   * false: GET /v1/auth/verify goes through Nest's handler like every other route instead of
   * straight from Fastify (verify-route.ts); tests compare the two answers.
   */
  directVerifyRoute?: boolean;
  /**
   * false: GET /v1/auth/verify is answered by Fastify even without a query string, instead of
   * by the fast lane ahead of it (common/http/fast-lane.ts); tests compare the two.
   */
  fastLane?: boolean;
  /** false: @DirectRoute routes (the OAuth token and introspection endpoints) go through Nest. */
  directRoutes?: boolean;
}

/**
 * Builds the Tessera application: the one factory main.ts and every e2e test use, so tests run
 * exactly what production runs.
 *
 * Per-request plumbing is kept to two synchronous Fastify hooks (measured: nestjs-pino's child
 * loggers and @fastify/helmet's per-request rebuild cost about 70% of the throughput of a
 * simple route): onRequest sets the precomputed security headers and X-Request-Id, onResponse
 * writes one log line (built by hand: request-log.ts).
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const env: EnvironmentVariables = validateEnvironment({ ...process.env, ...options.env });
  const destination = options.logStream ?? new StdoutDestination();
  const logger = createLogger(env.LOG_LEVEL, destination);
  const requestLog = new RequestLog(logger, destination, env.VERIFY_LOG_SAMPLE);
  const headers = securityHeaders();
  const trustProxy = trustProxySetting(env.TRUST_PROXY);
  const adapter = new FastifyAdapter({
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy,
    genReqId: requestIdFor,
    logger: false,
    forceCloseConnections: 'idle',
    // Tessera has no Nest middleware (no NestModule.configure, no app.use): @fastify/middie,
    // which Nest otherwise registers to run it, cost ~35k instructions per request doing nothing
    // (callgrind, /v1/health and /v1/auth/verify alike: about a quarter of each). Nest
    // middleware needs middie: drop this option before adding any.
    skipMiddie: true,
    // Errors Fastify and Node answer before any hook or filter runs, in the contract's shape too.
    frameworkErrors: routerErrorHandler(headers.api),
    clientErrorHandler: clientErrorHandler(headers.api),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ env, clock: options.clock, extraModules: options.extraModules }),
    adapter,
    {
      logger: new PinoNestLogger(logger),
      // Nest's default parsers take forms on every route; Tessera keeps Fastify's own JSON parser
      // (the one Nest's wraps, same limits and errors) and takes forms only where a route says so.
      bodyParser: false,
    },
  );
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  // Declared up front so every request object has the same shape (Fastify's advice: adding a
  // property per request changes its hidden class on the hot path).
  fastify.decorateRequest('principal', undefined);
  registerFormBodies(fastify);
  registerRawBodies(fastify);
  // The hosted login page: cookies, CSRF, views, the hooks of @Page routes (before app.init()).
  await registerPagePlugins(app, env, headers.pages);
  fastify.addHook('onRequest', (request, reply, done) => {
    const set = request.url.startsWith(DOCUMENT_PATH_PREFIX) ? headers.documents : headers.api;
    void reply.headers(set).header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    requestLog.write(request, reply);
    done();
  });

  // The lane repeats, for the requests it answers, what the two hooks above do.
  let exceptions: AllExceptionsFilter;
  const lane =
    options.directVerifyRoute === false || options.fastLane === false
      ? undefined
      : new FastLane(fastify, {
          apiHeaders: headers.api,
          requestIp: requestIpResolver(trustProxy),
          logRequest: (request, reply) => requestLog.write(request, reply),
          answerError: (error, request, reply) => exceptions.answer(error, request, reply),
          logFailure: (error, message) => logger.error({ err: error }, message),
        });
  const verifyRoute = options.directVerifyRoute === false ? null : new VerifyRoute(app, lane);
  if (options.directRoutes !== false) new DirectRoutes(app);
  setupOpenApi(app, env);
  try {
    // Routes are registered here: a @DirectRoute that declares what it would skip throws.
    await app.init();
    verifyRoute?.assertInstalled();
    exceptions = app.get(AllExceptionsFilter);
  } catch (error) {
    // Its database pool, Redis connections and timers are running already.
    await app.close().catch(() => undefined);
    throw error;
  }
  await fastify.ready();
  lane?.install(app.getHttpServer());
  return app;
}

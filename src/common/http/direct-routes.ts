import { Type } from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AccessGuard } from '../auth/access.guard';
import { routePolicy } from '../auth/route-policy';
import { withRouteConfig } from './route-config';

/** A route handler that takes the request and answers what Fastify then serializes. */
type DirectHandler = (request: FastifyRequest) => unknown;

interface DirectRouteTarget {
  controller: Type<unknown>;
  method: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The controller method Fastify calls itself, past Nest's router (@DirectRoute). */
    directRoute?: DirectRouteTarget;
  }
}

/**
 * The route is answered by Fastify calling the controller method after the one AccessGuard,
 * instead of through Nest's router (its guards, interceptors and pipes consumers and response
 * controller: introspection 103 -> 85.5 us of CPU in an A/B, docs/performance.md "Session 14"). For the OAuth endpoints machines
 * call per request. The method must take only `@Req()`; its @HttpCode and @Header still apply,
 * and what it throws still reaches the exception filter (Fastify's error handler is Nest's).
 * DirectRoutes refuses at boot a route that declares anything else Nest would run around it.
 */
export const DirectRoute = (): MethodDecorator => (target, key, descriptor) =>
  withRouteConfig({
    directRoute: { controller: target.constructor as Type<unknown>, method: String(key) },
  })(target, key, descriptor);

/** Installs the @DirectRoute handlers as Nest registers the routes (before `app.init()`). */
export class DirectRoutes {
  constructor(app: NestFastifyApplication) {
    const guard = app.get(AccessGuard);
    const reflector = app.get(Reflector);
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route: RouteOptions) => {
        const target = route.config?.directRoute;
        // HEAD (Fastify's copy of a GET) keeps Nest's handler.
        if (!target || route.method === 'HEAD') return;
        route.handler = directHandler(target, route.method, app, guard, reflector);
      });
  }
}

function directHandler(
  { controller, method }: DirectRouteTarget,
  httpMethod: RouteOptions['method'],
  app: NestFastifyApplication,
  guard: AccessGuard,
  reflector: Reflector,
): (request: FastifyRequest, reply: FastifyReply) => unknown {
  const prototypeMethod = (controller.prototype as Record<string, DirectHandler>)[method];
  assertNothingElseRuns(controller, method);
  const instance = app.get(controller, { strict: false }) as Record<string, DirectHandler>;
  const handler = instance[method].bind(instance) as DirectHandler;
  const policy = routePolicy(reflector, prototypeMethod, controller);
  // Nest's defaults: 201 for POST, 200 otherwise.
  const status =
    (Reflect.getMetadata(HTTP_CODE_METADATA, prototypeMethod) as number | undefined) ??
    (httpMethod === 'POST' ? 201 : 200);
  // Fixed strings (assertNothingElseRuns refused any other).
  const headers: Record<string, string> = Object.fromEntries(
    ((Reflect.getMetadata(HEADERS_METADATA, prototypeMethod) ?? []) as HeaderMetadata[]).map(
      ({ name, value }) => [name, String(value)],
    ),
  );
  // As Nest's router: the status and headers once the guard lets the request in, then the handler.
  const answer = (request: FastifyRequest, reply: FastifyReply) => {
    void reply.code(status).headers(headers);
    return handler(request);
  };
  return (request, reply) => {
    const decided = guard.decide(policy, request, reply);
    if (decided === true) return answer(request, reply);
    if (!(decided instanceof Promise)) throw decided;
    return decided.then((decision) => {
      if (decision !== true) throw decision;
      return answer(request, reply);
    });
  };
}

/** Nest also takes a function for a header's value, called per request: refused here. */
interface HeaderMetadata {
  name: string;
  value: string | (() => string);
}

/** A direct route skips what Nest would run around it: it must declare none of it. */
export function assertNothingElseRuns(controller: Type<unknown>, method: string): void {
  const handler = (controller.prototype as Record<string, object>)[method];
  const where = `${controller.name}.${method}`;
  for (const key of [
    GUARDS_METADATA,
    INTERCEPTORS_METADATA,
    PIPES_METADATA,
    EXCEPTION_FILTERS_METADATA,
  ]) {
    if (Reflect.getMetadata(key, handler) || Reflect.getMetadata(key, controller)) {
      throw new Error(`${where} is a @DirectRoute: Nest's ${key} would not run`);
    }
  }
  // Answers Nest's router makes itself (a redirect, a rendered view, an event stream).
  for (const key of [REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA]) {
    if (Reflect.getMetadata(key, handler) !== undefined) {
      throw new Error(`${where} is a @DirectRoute: Nest's ${key} would not be answered`);
    }
  }
  const headers = (Reflect.getMetadata(HEADERS_METADATA, handler) ?? []) as HeaderMetadata[];
  if (headers.some(({ value }) => typeof value !== 'string')) {
    throw new Error(`${where} is a @DirectRoute: its @Header values must be fixed strings`);
  }
  const parameters = Object.entries(
    (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
      string,
      { index: number }
    >,
  );
  const requestFirst = parameters.every(
    ([key, { index }]) =>
      Number(key.split(':')[0]) === (RouteParamtypes.REQUEST as number) && index === 0,
  );
  if (!requestFirst) throw new Error(`${where} is a @DirectRoute: it may take only @Req() first`);
}

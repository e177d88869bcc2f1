import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyContextConfig } from 'fastify';

/**
 * A method decorator adding `config` to the route's Fastify options, where request-time code reads
 * it as `request.routeOptions.config` (no Nest ExecutionContext needed: body parsers, the rate
 * limiter behind the access guard). Nest's @RouteConfig() sets the whole object; this merges, so
 * several small decorators (@AcceptsForm, @RateLimitTracker) can each add their field. Put a
 * plain @RouteConfig() below them, never above (it would replace theirs).
 */
export function withRouteConfig(config: Partial<FastifyContextConfig>): MethodDecorator {
  return (_target, key, descriptor) => {
    if (typeof descriptor?.value !== 'function') {
      throw new TypeError(`Route options go on a route handler, not on ${String(key)}`);
    }
    const handler = descriptor.value as object;
    const current = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as object;
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...current, ...config }, handler);
    return descriptor;
  };
}

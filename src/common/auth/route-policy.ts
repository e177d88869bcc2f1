import type { Reflector } from '@nestjs/core';
import { AccessPolicy } from './decorators';
import type { Permission } from './permissions';

/** What a route declares about who may call it, read once per route (not per request). */
export interface RoutePolicy {
  isPublic: boolean;
  scopes: readonly string[];
  permissions: readonly Permission[];
  organizationParam: string | undefined;
  skipRateLimit: boolean;
}

/**
 * A route that declares nothing still needs a valid credential (deny by default); the route
 * inventory test (test/security) fails on it, so none reaches production.
 */
const UNDECLARED: RoutePolicy = Object.freeze({
  isPublic: false,
  scopes: [],
  permissions: [],
  organizationParam: undefined,
  skipRateLimit: false,
});

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's handler type
type Handler = Function;

const policies = new WeakMap<Handler, RoutePolicy>();

/**
 * The policy @Access or @Public wrote on a route (its handler; the controller class is looked at
 * too, though neither decorator goes there). Metadata never changes after boot, so it is read
 * with the Reflector once per handler and kept: walking reflect-metadata on every request
 * measured ~3% of a request's CPU.
 */
export function routePolicy(
  reflector: Reflector,
  handler: Handler,
  controller: Handler,
): RoutePolicy {
  let policy = policies.get(handler);
  if (!policy) {
    policy = reflector.getAllAndOverride(AccessPolicy, [handler, controller]) ?? UNDECLARED;
    policies.set(handler, policy);
  }
  return policy;
}

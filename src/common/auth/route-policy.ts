import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Permission } from '../../modules/organizations/roles';
import { Authenticated, OrganizationFromPath, Permissions, Public, Scopes } from './decorators';

/** @nestjs/throttler's @SkipThrottle() metadata key for the default throttler. */
const THROTTLER_SKIP_DEFAULT = 'THROTTLER:SKIPdefault';

/** What a route declares about who may call it, read once per route (not per request). */
export interface RoutePolicy {
  isPublic: boolean;
  authenticated: boolean;
  scopes: readonly string[];
  permissions: readonly Permission[];
  organizationParam: string | undefined;
  skipRateLimit: boolean;
}

const policies = new WeakMap<object, RoutePolicy>();

/**
 * The decorators' metadata of the route being handled. Metadata never changes after boot, so it
 * is read with the Reflector once per handler and kept: each guard used to walk reflect-metadata
 * on every request (measured ~3% of a request's CPU across the guards).
 */
export function routePolicy(reflector: Reflector, context: ExecutionContext): RoutePolicy {
  const handler = context.getHandler();
  let policy = policies.get(handler);
  if (!policy) {
    const targets = [handler, context.getClass()];
    policy = {
      isPublic: Boolean(reflector.getAllAndOverride(Public, targets)),
      authenticated: Boolean(reflector.getAllAndOverride(Authenticated, targets)),
      scopes: reflector.getAllAndOverride(Scopes.KEY, targets) ?? [],
      permissions: reflector.getAllAndOverride(Permissions.KEY, targets) ?? [],
      organizationParam: reflector.getAllAndOverride(OrganizationFromPath, targets),
      skipRateLimit: Boolean(reflector.getAllAndOverride<boolean>(THROTTLER_SKIP_DEFAULT, targets)),
    };
    policies.set(handler, policy);
  }
  return policy;
}

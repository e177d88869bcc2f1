import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiAccess, type ErrorStatus } from '../http/api-docs';
import type { Permission } from './permissions';
import type { Principal as PrincipalShape } from './principal';
import type { RoutePolicy } from './route-policy';

/** The guard's policy of a route, written by @Access or @Public (read by route-policy.ts). */
export const AccessPolicy = Reflector.createDecorator<RoutePolicy>();
/** The route's own error answers, as its @Access or @Public lists them (for the OpenAPI test). */
export const RouteErrors = Reflector.createDecorator<readonly ErrorStatus[]>();

interface RouteDeclaration {
  /**
   * The route's own error answers (400, 409, 422, a 404 of its resource...). The answers of the
   * access decision itself (401, 403, 404, 429) are documented from the policy: never list them
   * here for that reason.
   */
  errors?: readonly ErrorStatus[];
  /** Not counted against any rate limit (health checks, the JWKS): the route never answers 429. */
  skipRateLimit?: boolean;
}

export interface AccessOptions extends RouteDeclaration {
  /** Every listed scope is needed (`translate:write`). */
  scopes?: readonly string[];
  /**
   * Every listed organization permission is needed in the organization the request acts in: a
   * user's role must hold it, a credential that carries scopes needs the scope standing for it.
   */
  permissions?: readonly Permission[];
  /**
   * The route acts on the organization named by this path parameter (`/organizations/:id`)
   * rather than the one selected by X-Organization-ID; a caller with no access there gets 404.
   */
  organizationFromPath?: string;
}

/**
 * Who may call a route: any valid credential when the options are empty, else one with every
 * scope and permission listed. Writes the guard's policy and the route's OpenAPI operation together
 * (credentials, scopes, X-Organization-ID, error answers), so the document cannot drift from the
 * rules; test/security checks every route of the app. One per route handler, never on a class.
 */
export function Access(options: AccessOptions = {}): MethodDecorator {
  return declareRoute(
    {
      isPublic: false,
      scopes: Object.freeze([...(options.scopes ?? [])]),
      permissions: Object.freeze([...(options.permissions ?? [])]),
      organizationParam: options.organizationFromPath,
      skipRateLimit: options.skipRateLimit ?? false,
    },
    options.errors ?? [],
  );
}

/** Anyone may call the route, without a credential (it is still rate limited by client address). */
export function Public(options: RouteDeclaration = {}): MethodDecorator {
  return declareRoute(
    {
      isPublic: true,
      scopes: [],
      permissions: [],
      organizationParam: undefined,
      skipRateLimit: options.skipRateLimit ?? false,
    },
    options.errors ?? [],
  );
}

function declareRoute(policy: RoutePolicy, errors: readonly ErrorStatus[]): MethodDecorator {
  const frozen = Object.freeze(policy);
  return applyDecorators(
    AccessPolicy(frozen),
    RouteErrors(Object.freeze([...errors])),
    ApiAccess(frozen, errors),
  );
}

/** The authenticated caller. */
export const Principal = createParamDecorator(
  (_: unknown, context: ExecutionContext): PrincipalShape | undefined =>
    context.switchToHttp().getRequest<FastifyRequest>().principal,
);

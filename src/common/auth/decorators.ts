import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Permission } from '../../modules/organizations/roles';
import type { Principal as PrincipalShape } from './principal';

/**
 * How a route declares who may call it. Every route carries at least one declaration; the route
 * inventory test (test/security) fails when one has none. @Scopes and @Permissions may be stacked:
 * every credential then needs the scopes and, in the organization, the permissions (a user's role
 * gives the permissions, a scoped credential the scope each permission stands for).
 */
export const Public = Reflector.createDecorator<true>({ transform: () => true });
/** Any valid credential; the service decides what the principal may see. */
export const Authenticated = Reflector.createDecorator<true>({ transform: () => true });

const ScopesMetadata = Reflector.createDecorator<string[]>();
/** Every listed scope is needed: `@Scopes('translate:write')`. */
export const Scopes = (...scopes: string[]) => ScopesMetadata(scopes);
Scopes.KEY = ScopesMetadata;

const PermissionsMetadata = Reflector.createDecorator<Permission[]>();
/** Every listed organization permission is needed, in the organization the request acts in. */
export const Permissions = (...permissions: Permission[]) => PermissionsMetadata(permissions);
Permissions.KEY = PermissionsMetadata;

/**
 * The route acts on the organization named by this path parameter (e.g. `/organizations/:id`)
 * rather than the one selected by X-Organization-ID.
 */
export const OrganizationFromPath = Reflector.createDecorator<string>();

/** The authenticated caller. */
export const Principal = createParamDecorator(
  (_: unknown, context: ExecutionContext): PrincipalShape | undefined =>
    context.switchToHttp().getRequest<FastifyRequest>().principal,
);

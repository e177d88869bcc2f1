import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { MissingPermissionError, NotFoundError } from '../errors/api-errors';
import { principalHasPermission } from './authorization';
import { routePolicy, RoutePolicy } from './route-policy';
import { AuditService } from '../../modules/audit/audit.service';
import { PrincipalResolver } from './principal-resolver';
import { routeOf } from './scopes.guard';

/**
 * Enforces @Permissions(...) in the organization the request acts in. With
 * @OrganizationFromPath('id') that is the organization in the path: a caller with no access there
 * gets 404, as if it did not exist (another tenant's data is never confirmed).
 */
@Injectable()
export class PermissionsGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: PrincipalResolver,
    private readonly audit: AuditService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Synchronous when the route demands no permission: most requests never await here.
    const policy = routePolicy(this.reflector, context);
    if (policy.permissions.length === 0) return true;
    return this.check(context, policy);
  }

  private async check(context: ExecutionContext, policy: RoutePolicy): Promise<boolean> {
    const required = policy.permissions;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    let principal = request.principal;
    if (!principal) return true; // @Public route: nothing to check

    const pathParam = policy.organizationParam;
    if (pathParam) {
      const organizationId = (request.params as Record<string, string>)[pathParam];
      if (organizationId !== principal.organizationId) {
        const there = await this.resolver.inOrganization(principal, organizationId);
        if (!there) throw new NotFoundError('Organization not found');
        principal = request.principal = there;
      }
    }
    const missing = required.find((permission) => !principalHasPermission(principal, permission));
    if (missing) {
      this.audit.recordDenied(principal, { missing_permission: missing, route: routeOf(context) });
      throw new MissingPermissionError(missing);
    }
    return true;
  }
}

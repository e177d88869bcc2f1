import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { MissingScopeError } from '../errors/api-errors';
import { principalHasScope } from './authorization';
import { AuditService } from '../../modules/audit/audit.service';
import { routePolicy } from './route-policy';

/** Enforces @Scopes(...): each listed scope must be covered by the caller's scopes. */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const required = routePolicy(this.reflector, context).scopes;
    if (required.length === 0) return true;
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (!principal) return true; // @Public route: nothing to check
    const missing = required.find((scope) => !principalHasScope(principal, scope));
    if (missing) {
      this.audit.recordDenied(principal, { missing_scope: missing, route: routeOf(context) });
      throw new MissingScopeError(missing);
    }
    return true;
  }
}

/** `POST /v1/translate`: the route pattern, never the concrete URL (which may carry secrets). */
export function routeOf(context: ExecutionContext): string {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return `${request.method} ${request.routeOptions?.url ?? ''}`;
}

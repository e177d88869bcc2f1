import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { MissingScopeError } from '../errors/api-errors';
import { principalHasScope } from './authorization';
import { Scopes } from './decorators';

/** Enforces @Scopes(...): each listed scope must be covered by the caller's scopes. */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride(Scopes.KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (!principal) return true; // @Public route: nothing to check
    const missing = required.find((scope) => !principalHasScope(principal, scope));
    if (missing) throw new MissingScopeError(missing);
    return true;
  }
}

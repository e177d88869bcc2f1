import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { EnvironmentVariables } from '../../config/env.schema';
import { UnauthorizedError } from '../errors/api-errors';
import { originOf } from '../http/request-origin';
import { extractCredential } from './credential';
import type { Principal } from './principal';
import { routePolicy } from './route-policy';
import { PrincipalResolver } from './principal-resolver';

/**
 * The global, deny-by-default guard: every route needs a valid credential unless it is marked
 * @Public(). Hot path: the resolver answers from its in-memory caches for credentials it has
 * verified before, and runs a Passport strategy only on a miss.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly allowQueryParam: boolean;

  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: PrincipalResolver,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.allowQueryParam = config.get('API_KEY_QUERY_PARAM_ENABLED', { infer: true });
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (routePolicy(this.reflector, context).isPublic) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const credential = extractCredential(request, this.allowQueryParam);
    if (!credential) throw new UnauthorizedError('Missing credentials', 'missing_credentials');
    const attach = (principal: Principal): boolean => {
      principal.origin = originOf(request);
      request.principal = principal;
      return true;
    };
    // Cached credentials resolve synchronously: no promise on the hot path.
    const resolved = this.resolver.authenticate(credential, request);
    return resolved instanceof Promise ? resolved.then(attach) : attach(resolved);
  }
}

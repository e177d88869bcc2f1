import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EnvironmentVariables } from '../../config/env.schema';
import { ApiError, UnauthorizedError } from '../errors/api-errors';
import { originOf } from '../http/request-origin';
import { extractCredential } from './credential';
import type { Principal } from './principal';
import { CredentialVerifiers } from './credential-verifiers';
import { RequestRateLimiter } from './request-rate-limiter';
import { RouteAuthorizer } from './route-authorizer';
import { RoutePolicy, routePolicy } from './route-policy';

/** Let through (true), or the refusal to answer. */
export type AccessDecision = true | ApiError;

/** Made once, like every common refusal (see INVALID_CREDENTIAL). */
const MISSING_CREDENTIALS = new UnauthorizedError('Missing credentials', 'missing_credentials');

/**
 * The one global guard, deny by default. Every request goes through the same steps, in order:
 * 1. authentication: a valid credential, unless the route is @Public() (401 otherwise);
 * 2. rate limits: the caller's (or, on a public route, the client IP's) limits (429);
 * 3. authorization: the scopes and permissions of the route's @Access (403, or 404 for another tenant).
 *
 * Hot path: each step answers synchronously when its caches hold what it needs (a verified
 * credential, counters in memory, the route's policy), so a cached caller costs no promise.
 * `decide` is the same decision without Nest's ExecutionContext, for the routes served
 * straight from Fastify (modules/auth/verify-route.ts, common/http/direct-routes.ts).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly allowQueryParam: boolean;

  constructor(
    private readonly reflector: Reflector,
    private readonly verifiers: CredentialVerifiers,
    private readonly rateLimiter: RequestRateLimiter,
    private readonly authorizer: RouteAuthorizer,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.allowQueryParam = config.get('API_KEY_QUERY_PARAM_ENABLED', { infer: true });
  }

  canActivate(context: ExecutionContext): true | Promise<true> {
    const http = context.switchToHttp();
    return thrownIfRefused(
      this.decide(
        routePolicy(this.reflector, context.getHandler(), context.getClass()),
        http.getRequest<FastifyRequest>(),
        http.getResponse<FastifyReply>(),
      ),
    );
  }

  /**
   * Sets `request.principal` when authenticated. A rate limit's 429 is returned (a caller over
   * its limit sends little else, and a throw was most of its extra cost: RequestRateLimiter);
   * the other refusals (401, 403, 404) are thrown as the contract's errors.
   */
  decide(
    policy: RoutePolicy,
    request: FastifyRequest,
    reply: FastifyReply,
  ): AccessDecision | Promise<AccessDecision> {
    if (policy.isPublic) return this.limitAndAuthorize(policy, request, reply);
    const credential = extractCredential(request, this.allowQueryParam);
    if (!credential) throw MISSING_CREDENTIALS;
    const resolved = this.verifiers.authenticate(credential, request);
    if (resolved instanceof Promise) {
      return resolved.then((principal) => {
        attach(principal, request);
        return this.limitAndAuthorize(policy, request, reply);
      });
    }
    attach(resolved, request);
    return this.limitAndAuthorize(policy, request, reply);
  }

  private limitAndAuthorize(
    policy: RoutePolicy,
    request: FastifyRequest,
    reply: FastifyReply,
  ): AccessDecision | Promise<AccessDecision> {
    const refused = policy.skipRateLimit ? undefined : this.rateLimiter.enforce(request, reply);
    if (refused instanceof Promise) {
      return refused.then((refusal) =>
        refusal === undefined
          ? this.authorize(policy, request)
          : this.notAdmitted(request, refusal),
      );
    }
    return refused === undefined
      ? this.authorize(policy, request)
      : this.notAdmitted(request, refused);
  }

  private authorize(policy: RoutePolicy, request: FastifyRequest): true | Promise<true> {
    let authorized: void | Promise<void>;
    try {
      authorized = this.authorizer.authorize(policy, request);
    } catch (error) {
      this.notAdmitted(request, undefined);
      throw error;
    }
    return authorized instanceof Promise
      ? authorized.then(
          () => true,
          (error: unknown) => {
            this.notAdmitted(request, undefined);
            throw error;
          },
        )
      : true;
  }

  /**
   * A caller let in by its credential, refused by the steps after (429, 403, 404): its verifier
   * may give back what it charged for the request (an API key's credit). Refusals only.
   */
  private notAdmitted<R>(request: FastifyRequest, refusal: R): R {
    if (request.principal) this.verifiers.notAdmitted(request.principal);
    return refusal;
  }
}

/** For Nest, which lets a request through on true and answers what a guard throws. */
function thrownIfRefused(decision: AccessDecision | Promise<AccessDecision>): true | Promise<true> {
  if (decision instanceof Promise) return decision.then(thrownIfRefused);
  if (decision === true) return true;
  throw decision;
}

function attach(principal: Principal, request: FastifyRequest): void {
  principal.origin = originOf(request);
  request.principal = principal;
}

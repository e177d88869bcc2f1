import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AccessDecision, AccessGuard } from '../../common/auth/access.guard';
import { routePolicy } from '../../common/auth/route-policy';
import { sendApiError } from '../../common/errors/all-exceptions.filter';
import { ApiError } from '../../common/errors/api-errors';
import type { FastLane } from '../../common/http/fast-lane';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { UserAnswers } from './user-answers';

const VERIFY_METHOD = 'GET';
const VERIFY_URL = '/v1/auth/verify';

/**
 * `GET /v1/auth/verify`, which tenants' APIs call on every request they serve, answered by Fastify
 * with the one AccessGuard instead of through Nest's router: +17% req/s (docs/performance.md);
 * and, without a query string, by the same handler in the fast lane ahead of Fastify
 * (common/http/fast-lane.ts).
 * AuthController still declares the route and its policy; Nest's pipes, interceptors, filters and
 * other guards are skipped, so it must have none (the route inventory test checks). HEAD still
 * takes Nest's handler.
 */
export class VerifyRoute {
  private installed = false;

  /** `lane`: the plainest requests (no query string) are answered ahead of Fastify too. */
  constructor(app: NestFastifyApplication, lane?: FastLane) {
    const guard = app.get(AccessGuard);
    const auth = app.get(AuthService);
    const policy = routePolicy(app.get(Reflector), AuthController.prototype.verify, AuthController);
    const userAnswers = new UserAnswers();
    // An API key's answer is kept on its credential (replaced on any change to the key or its
    // role; CachedCredential), not serialized per request: 29.6 -> 26.4 us of CPU per request.
    // Kept from the key's second request on: a key shown once (a burst of distinct keys) keeps
    // no answer for the rest of its time in the cache (~256 bytes each, issue #19).
    // A key with usage credits answers what it has left, which changes with every request.
    const answer = (request: FastifyRequest, reply: FastifyReply) => {
      const principal = request.principal!;
      if (principal.type === 'user' && principal.verified && !principal.delegatedTo) {
        void reply.type('application/json; charset=utf-8');
        return userAnswers.answer(principal, () => JSON.stringify(auth.verify(principal)));
      }
      if (principal.type !== 'api_key' || principal.credits !== null) {
        return auth.verify(principal);
      }
      const credential = principal.credential;
      let body = credential.answer;
      if (typeof body !== 'string') {
        const made = JSON.stringify(auth.verify(principal));
        credential.answer = body === undefined ? null : made;
        body = made;
      }
      void reply.type('application/json; charset=utf-8');
      return body;
    };
    // The guard's refusals (401, 403, 429) are answered here as the filter answers them:
    // Fastify's error handler and Nest's exception layer were ~8% of a refusal's CPU (issue
    // #21, docs/performance.md). Any other error goes there.
    const refuse = (error: unknown, reply: FastifyReply): undefined => {
      if (!(error instanceof ApiError)) throw error;
      sendApiError(reply, error);
      return undefined;
    };
    const settle = (decision: AccessDecision, request: FastifyRequest, reply: FastifyReply) =>
      decision === true ? answer(request, reply) : refuse(decision, reply);

    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route: RouteOptions) => {
        if (route.method !== VERIFY_METHOD || route.url !== VERIFY_URL) return;
        // Thrown errors and rejections that are no refusal go to Fastify's error handler, i.e.
        // Nest's filters (in the lane, to the same filter).
        const handler = (request: FastifyRequest, reply: FastifyReply) => {
          let decided: AccessDecision | Promise<AccessDecision>;
          try {
            decided = guard.decide(policy, request, reply);
          } catch (error) {
            return refuse(error, reply);
          }
          if (!(decided instanceof Promise)) return settle(decided, request, reply);
          return decided.then(
            (decision) => settle(decision, request, reply),
            (error: unknown) => refuse(error, reply),
          );
        };
        route.handler = handler;
        lane?.route(VERIFY_URL, {
          handler,
          routeOptions: {
            method: VERIFY_METHOD,
            url: VERIFY_URL,
            // As Fastify makes a route's config (lib/route.js).
            config: { ...route.config, url: VERIFY_URL, method: VERIFY_METHOD },
          },
        });
        this.installed = true;
      });
  }

  assertInstalled(): void {
    if (!this.installed) {
      throw new Error(`${VERIFY_METHOD} ${VERIFY_URL} is not declared by AuthController`);
    }
  }
}

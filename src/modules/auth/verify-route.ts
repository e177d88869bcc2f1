import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AccessGuard } from '../../common/auth/access.guard';
import { routePolicy } from '../../common/auth/route-policy';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';

const VERIFY_METHOD = 'GET';
const VERIFY_URL = '/v1/auth/verify';

/**
 * `GET /v1/auth/verify` answered by Fastify straight away instead of through Nest's router.
 *
 * Why: it is the call tenants' APIs make on every request they serve, so its cost is paid on
 * every request of theirs. Nest's per-request pipeline around a handler (execution context,
 * guard consumer, pipes, interceptors, response controller: four awaits) cost about 15% of this
 * route's throughput (`npm run bench`, A/B of two builds; README, Performance).
 *
 * What stays the same: AuthController still declares the route (path, OpenAPI document,
 * @Authenticated, the route inventory), the one AccessGuard decides with that declaration's
 * policy, AuthService.verify shapes the answer, and errors reach the one exception filter
 * (through Fastify's error handler, which Nest points at its filters). Fastify's hooks (security
 * headers, request id, the log line) run as for every route. What does not apply: Nest pipes,
 * interceptors, per-route filters and any global guard besides AccessGuard; the verify route
 * has none and must keep it that way (test/security/route-inventory.spec.ts fails otherwise). HEAD
 * requests still take Nest's handler (Fastify copies the route for HEAD before this hook runs).
 *
 * Installed before Nest registers its routes (app.init): Fastify's onRoute hook swaps the
 * handler of that one route as Nest adds it. `assertInstalled` fails the boot if the route was
 * renamed and the swap found nothing.
 */
export class VerifyRoute {
  private installed = false;

  constructor(private readonly app: NestFastifyApplication) {
    const guard = app.get(AccessGuard);
    const auth = app.get(AuthService);
    const policy = routePolicy(app.get(Reflector), AuthController.prototype.verify, AuthController);
    // An API key's answer is kept per credential (replaced on any change to the key or its
    // role; ApiKeyPrincipal), not serialized per request: 29.6 -> 26.4 us of CPU per request.
    const serialized = new WeakMap<object, string>();
    const answer = (request: FastifyRequest, reply: FastifyReply) => {
      const principal = request.principal!;
      if (principal.type !== 'api_key') return auth.verify(principal);
      const source = principal.credential;
      let body = serialized.get(source);
      if (body === undefined) {
        body = JSON.stringify(auth.verify(principal));
        serialized.set(source, body);
      }
      void reply.type('application/json; charset=utf-8');
      return body;
    };

    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route: RouteOptions) => {
        if (route.method !== VERIFY_METHOD || route.url !== VERIFY_URL) return;
        // Thrown errors and rejections go to Fastify's error handler, i.e. Nest's filters.
        route.handler = (request: FastifyRequest, reply: FastifyReply) => {
          const allowed = guard.check(policy, request, reply);
          return allowed === true
            ? answer(request, reply)
            : allowed.then(() => answer(request, reply));
        };
        this.installed = true;
      });
  }

  assertInstalled(): void {
    if (!this.installed) {
      throw new Error(`${VERIFY_METHOD} ${VERIFY_URL} is not declared by AuthController`);
    }
  }
}

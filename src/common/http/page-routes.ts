import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiProduces } from '@nestjs/swagger';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import { AcceptsForm } from './form-body';
import { withRouteConfig } from './route-config';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers an HTML page (@Page): page headers, errors answered as pages too. */
    page?: boolean;
    /** The route takes a page's form post, refused without its CSRF token (@PageForm). */
    csrf?: boolean;
  }
}

/**
 * An HTML page of Tessera's own (the hosted login and consent pages): it gets the page security
 * headers (a CSP for a stylesheet and forms, no script, no framing) instead of the API's, and
 * the exception filter answers its errors as an HTML page instead of JSON. The OpenAPI operation
 * says so (`x-tessera-page`; the fuzz test tells pages by it).
 */
export const Page = () =>
  applyDecorators(
    withRouteConfig({ page: true }),
    ApiProduces('text/html'),
    // Its errors are pages, whatever it answers on success (a redirect, for SSO's login).
    ApiExtension('x-tessera-page', true),
  );

/**
 * The post of a page's form: a @Page that takes form bodies (@AcceptsForm) and is refused with
 * 403 unless the body's `_csrf` field matches the browser's CSRF cookie (checked before the
 * handler, page-routes.ts).
 */
export const PageForm = () =>
  applyDecorators(withRouteConfig({ page: true, csrf: true }), AcceptsForm(), Page());

export interface PageRouteHooks {
  /** The page security headers (securityHeaders().pages). */
  headers: Readonly<Record<string, string>>;
  /** What a page needs before anything else (its cookies read). */
  prepare: onRequestHookHandler;
  /** Refuses a request without a valid CSRF token (@fastify/csrf-protection's csrfProtection). */
  checkCsrf: preHandlerHookHandler;
}

/**
 * Gives the routes marked @Page and @PageForm their hooks as Nest registers them (Fastify's
 * onRoute), so other routes pay nothing per request: the page headers replace the API's set by
 * the app's onRequest hook, `prepare` runs, and a form post is checked against CSRF once its
 * body is parsed.
 * Call before the app registers its routes (app.init()).
 */
export function registerPageRoutes(fastify: FastifyInstance, hooks: PageRouteHooks): void {
  const setPageHeaders = (
    _request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void => {
    void reply.headers(hooks.headers);
    done();
  };
  fastify.addHook('onRoute', (route) => {
    if (route.config?.page !== true) return;
    route.onRequest = [...asList(route.onRequest), setPageHeaders, hooks.prepare];
    if (route.config.csrf === true) {
      route.preHandler = [...asList(route.preHandler), hooks.checkCsrf];
    }
  });
}

/** Whether the request's route is a @Page (read on the error path only: it costs an object). */
export function isPageRoute(request: FastifyRequest): boolean {
  return request.routeOptions.config?.page === true;
}

function asList<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

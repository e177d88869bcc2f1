import fastifyCookie from '@fastify/cookie';
import fastifyCsrfProtection from '@fastify/csrf-protection';
import fastifyView from '@fastify/view';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Eta } from 'eta';
import type { FastifyRequest } from 'fastify';
import { join } from 'node:path';
import { MasterKeyService } from '../../../common/crypto/master-key';
import { registerPageRoutes } from '../../../common/http/page-routes';
import type { EnvironmentVariables } from '../../../config/env.schema';
import { issuerIsHttps, pageCookieName } from './page-cookies';

/** The templates and the stylesheet (copied beside the compiled code by nest build's assets). */
export const VIEWS_DIR = join(__dirname, '..', 'views');
/** The cookie holding the CSRF secret: signed, HttpOnly; its form token is `_csrf`. */
export const CSRF_COOKIE = 'tessera_csrf';

/**
 * What the hosted pages need from Fastify, registered before the app's routes: cookies (signed
 * with a key derived from the master key, so every instance verifies every other's), CSRF
 * protection by double submit (a random secret in a signed cookie, a token derived from it in
 * each form: a page of another site can make the browser send the cookie but cannot read the
 * token), the Eta view engine, and the hooks of @Page and @PageForm routes (which alone read
 * cookies).
 *
 * The CSRF cookie's name is chosen once, as @fastify/csrf-protection takes one: `__Host-` when
 * TESSERA_ISSUER is https. Its Secure attribute follows each request (PageRenderer), like the
 * name and attributes of the other page cookies (page-cookies.ts).
 */
export async function registerPagePlugins(
  app: NestFastifyApplication,
  env: EnvironmentVariables,
  pageHeaders: Readonly<Record<string, string>>,
): Promise<void> {
  const secureIssuer = issuerIsHttps(env.TESSERA_ISSUER);
  await app.register(fastifyCookie, {
    secret: app.get(MasterKeyService).derive('page-cookie-signing'),
    // Read on page routes only (prepare, below): the API's routes take no cookie, and parsing
    // on every request would cost each of them an object and a Map.
    hook: false,
  });
  await app.register(fastifyCsrfProtection, {
    cookieKey: pageCookieName(CSRF_COOKIE, secureIssuer),
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, signed: true, secure: secureIssuer },
    // Forms only: a page's token travels in its body, never in a header a script would set.
    getToken: (request: FastifyRequest) => {
      const token = (request.body as Record<string, unknown> | null | undefined)?._csrf;
      return typeof token === 'string' ? token : undefined;
    },
  });
  // @fastify/view gives every reply of every route an empty `locals` object in an onRequest hook
  // unless replies already have one; the pages pass their data to each render and read no locals.
  app.getHttpAdapter().getInstance().decorateReply('locals', null);
  await app.register(fastifyView, {
    engine: { eta: new Eta({ views: VIEWS_DIR, autoEscape: true }) },
    templates: VIEWS_DIR,
    // Each template is read and compiled once, then kept: editing one needs a restart.
    production: true,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerPageRoutes(fastify, {
    headers: pageHeaders,
    prepare: (request, _reply, done) => {
      request.cookies = fastify.parseCookie(request.headers.cookie ?? '');
      done();
    },
    checkCsrf: (request, reply, done) => fastify.csrfProtection(request, reply, done),
  });
}

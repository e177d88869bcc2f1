import { applyDecorators } from '@nestjs/common';
import { ApiConsumes } from '@nestjs/swagger';
import { errorCodes, FastifyInstance, FastifyRequest } from 'fastify';
import { withRouteConfig } from './route-config';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes application/x-www-form-urlencoded bodies (@AcceptsForm). */
    acceptsForm?: boolean;
    /** A body limit below BODY_LIMIT_BYTES for this route (@BodyLimit). */
    bodyLimit?: number;
  }
}

const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/**
 * The route takes `application/x-www-form-urlencoded` bodies as well as JSON: the OAuth token,
 * revocation and introspection endpoints must (RFC 6749 section 3.2), and so do HTML forms.
 * Every other route answers such a body 415, like any type it does not take: a form is what a
 * page on another site can make a browser POST without a CORS preflight.
 */
export const AcceptsForm = () =>
  applyDecorators(
    withRouteConfig({ acceptsForm: true }),
    ApiConsumes('application/json', FORM_MEDIA_TYPE),
  );

/**
 * A smaller body limit for one route (413 past it): an unauthenticated route whose body is
 * parsed as XML (the SAML ACS) need not read what the API's other routes may.
 */
export const BodyLimit = (bytes: number) => withRouteConfig({ bodyLimit: bytes });

/**
 * The form parser for routes marked @AcceptsForm, on every route of the app (Nest registers routes
 * in Fastify's root context, so a parser cannot be scoped to some). It refuses the body of any
 * other route with Fastify's own 415. A form body is read within the same BODY_LIMIT_BYTES as
 * JSON (413 past it), and its fields (strings; a repeated name becomes a list) go through the
 * same validation pipe, input-shape limits included.
 *
 * Not @fastify/formbody: its parse function never sees the request, so it could not tell an
 * opted-in route; this is the same parser (WHATWG form decoding) with that check.
 */
export function registerFormBodies(fastify: FastifyInstance): void {
  // Fastify's own per-route option, set from the route's config as Nest registers it.
  fastify.addHook('onRoute', (route) => {
    const limit = route.config?.bodyLimit;
    if (typeof limit === 'number') route.bodyLimit = Math.min(route.bodyLimit ?? limit, limit);
  });
  fastify.addContentTypeParser(
    FORM_MEDIA_TYPE,
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done) => {
      if (request.routeOptions.config.acceptsForm !== true) {
        done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), undefined);
        return;
      }
      done(null, parseForm(String(body)));
    },
  );
}

/** Fields in order; a name given more than once becomes a list of its values. */
export function parseForm(body: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null) as Record<
    string,
    string | string[]
  >;
  for (const [name, value] of formPairs(body)) {
    const seen = fields[name];
    if (seen === undefined) fields[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else fields[name] = [seen, value];
  }
  return fields;
}

/**
 * The name-value pairs of a form body. One with nothing percent- or plus-encoded (a token
 * request, an introspected JWT: base64url and dots) is split as it is: the WHATWG decoding
 * (URLSearchParams) of its ~1 KB cost about as much as authenticating the client. Anything
 * encoded goes through URLSearchParams, which gives the same pairs for an unencoded body.
 */
function formPairs(body: string): Iterable<[string, string]> {
  if (body.includes('%') || body.includes('+')) return new URLSearchParams(body);
  const pairs: [string, string][] = [];
  for (const part of body.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    pairs.push(equals === -1 ? [part, ''] : [part.slice(0, equals), part.slice(equals + 1)]);
  }
  return pairs;
}

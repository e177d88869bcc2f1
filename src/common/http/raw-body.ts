import type { FastifyInstance, FastifyRequest, preParsingHookHandler } from 'fastify';
import { Transform } from 'node:stream';
import { withRouteConfig } from './route-config';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads its request body's exact bytes (@KeepsRawBody). */
    keepsRawBody?: boolean;
  }
}

/** The bytes of each request body a @KeepsRawBody route received, as they came. */
const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/**
 * The route needs the body's exact bytes as well as the parsed JSON: a signature over the body
 * (a secret-scanning partner's report) is checked against what was sent, never against a
 * re-serialization of it, which would differ in spacing, key order and escapes.
 */
export const KeepsRawBody = () => withRouteConfig({ keepsRawBody: true });

/**
 * Copies the body of @KeepsRawBody routes as Fastify's parser reads it: a stream in
 * the route's own preParsing hook, so every other route reads its body as before, and the body
 * limit (413), Content-Length check and JSON parsing stay Fastify's own.
 */
export function registerRawBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (route.config?.keepsRawBody !== true) return;
    const own = route.preParsing;
    const hooks = own === undefined ? [] : Array.isArray(own) ? own : [own];
    route.preParsing = [...hooks, keepRawBody];
  });
}

const keepRawBody: preParsingHookHandler = (request, _reply, payload, done) => {
  const chunks: Buffer[] = [];
  // Chunks are kept as they pass on to Fastify's reader: nothing else reads the stream, so
  // Fastify's limit stops this copy too.
  const copy = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      chunks.push(chunk);
      next(null, chunk);
    },
    flush(next) {
      rawBodies.set(request, Buffer.concat(chunks));
      next();
    },
  });
  payload.on('error', (error) => copy.destroy(error));
  done(null, payload.pipe(copy));
};

/** The body's exact bytes on a @KeepsRawBody route; empty when the request had no body. */
export function rawBodyOf(request: FastifyRequest): Buffer {
  return rawBodies.get(request) ?? Buffer.alloc(0);
}

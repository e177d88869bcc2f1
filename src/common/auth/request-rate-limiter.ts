import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Counts a request against the limits that apply to its caller (set on `request.principal`, or
 * its client IP on a public route) and sets the X-RateLimit headers. Implemented by the
 * rate-limits module; the access guard depends only on this shape.
 */
export abstract class RequestRateLimiter {
  /** Throws TooManyRequestsError (429). Synchronous when counting needs no round trip. */
  abstract enforce(request: FastifyRequest, reply: FastifyReply): void | Promise<void>;
}

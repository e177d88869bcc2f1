import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TooManyRequestsError } from '../errors/api-errors';

/** What counting a request decided: nothing to say (let through), or its 429. */
export type RateLimitRefusal = TooManyRequestsError | undefined;

/**
 * Counts a request against the limits that apply to its caller (set on `request.principal`, or
 * its client IP on a public route) and sets the rate-limit headers (X-RateLimit-*, and the IETF
 * RateLimit-Policy and RateLimit). Implemented by the rate-limits module; the access guard
 * depends only on this shape.
 */
export abstract class RequestRateLimiter {
  /**
   * The 429 is returned, not thrown: a caller over its limit may send nothing else, and the
   * throw was most of what a 429 still cost more than a 200 (issue #21, docs/performance.md).
   * Synchronous when counting needs no round trip.
   */
  abstract enforce(
    request: FastifyRequest,
    reply: FastifyReply,
  ): RateLimitRefusal | Promise<RateLimitRefusal>;
}

import type { FastifyRequest } from 'fastify';
import { withRouteConfig } from '../../common/http/route-config';

/** Names whose limit a request on a public route counts against. */
export interface RateLimitTrackerOption {
  /** The counter's name, apart from every other limit's ('oauth_client'). */
  name: string;
  /** The tracker, e.g. the client the request names; undefined: count the client's address. */
  of: (request: FastifyRequest) => string | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Whose public limit the route counts against (@RateLimitTracker). */
    rateLimitTracker?: RateLimitTrackerOption;
  }
}

/**
 * A public route's PUBLIC_RATE_LIMIT_PER_MINUTE counted per what `of` names (the OAuth token
 * endpoint: the client_id) instead of per client address: clients behind one NAT each get their
 * own limit, and a client changing addresses keeps its one. A request naming nothing usable is
 * counted per address as on any public route. Read by the RateLimiter from the route's Fastify
 * config, evaluated after the body is parsed (the access guard runs then).
 */
export const RateLimitTracker = (name: string, of: RateLimitTrackerOption['of']) =>
  withRouteConfig({ rateLimitTracker: { name, of } });

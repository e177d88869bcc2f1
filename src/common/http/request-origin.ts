import type { FastifyRequest } from 'fastify';
import { clientAddressOf } from './client-address';

/** Where a request comes from, as the audit log records it. */
export interface RequestOrigin {
  /** Null on an event that stands for many requests (CountedEvents). */
  requestId: string | null;
  /** The client address (see clientAddressOf). */
  ip: string;
  userAgent: string | null;
}

export function originOf(request: FastifyRequest): RequestOrigin {
  const userAgent = request.headers['user-agent'];
  return {
    requestId: String(request.id),
    ip: clientAddressOf(request),
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 300) : null,
  };
}

import type { FastifyRequest } from 'fastify';

/** Where a request comes from, as the audit log records it. */
export interface RequestOrigin {
  requestId: string;
  /** The client address (X-Forwarded-For honoured only per TRUST_PROXY). */
  ip: string;
  userAgent: string | null;
}

export function originOf(request: FastifyRequest): RequestOrigin {
  const userAgent = request.headers['user-agent'];
  return {
    requestId: String(request.id),
    ip: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 300) : null,
  };
}

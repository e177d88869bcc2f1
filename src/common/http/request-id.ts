import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's request id: the caller's X-Request-Id when it is a sane token (so ids follow a request
 * across services), else a new UUID. It is also written back onto the raw request so the pino
 * HTTP logger (which sees the raw request) logs the same id.
 */
export function requestIdFor(raw: IncomingMessage): string {
  const sent = raw.headers['x-request-id'];
  const id = typeof sent === 'string' && ACCEPTABLE_ID.test(sent) ? sent : randomUUID();
  (raw as IncomingMessage & { id?: string }).id = id;
  return id;
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorAnswer } from '../errors/all-exceptions.filter';
import { isOAuthPath, toOAuthErrorAnswer } from '../errors/oauth-error-answer';

/** What Fastify's router refuses before any route, hook or Nest filter runs. */
const ROUTER_ERRORS: Record<string, string> = {
  FST_ERR_BAD_URL: 'Malformed URL', // percent-encoding that is no valid UTF-8
  FST_ERR_MAX_PARAM_LENGTH: 'URL path segment too long', // over maxParamLength (100)
};

/**
 * Fastify's `frameworkErrors`. Its router answers these itself, before the onRequest hook and the
 * exception filter, by default as `{"error", "code", "message" (echoing the path), "statusCode"}`
 * without X-Request-Id or the security headers; this answers them as every other error: in the
 * contract's shape, or RFC 6749's on /oauth/* as the exception filter does.
 */
export function routerErrorHandler(headers: Readonly<Record<string, string>>) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const status = error.statusCode ?? 400;
    const detail =
      ROUTER_ERRORS[error.code] ?? (status >= 500 ? 'Internal server error' : 'Bad request');
    const contract: ErrorAnswer = { status, body: { detail } };
    const answer = isOAuthPath(request.url) ? toOAuthErrorAnswer(error, contract) : contract;
    void reply
      .code(answer.status)
      .headers(headers)
      .headers(answer.headers ?? {})
      .header('x-request-id', request.id)
      .type('application/json; charset=utf-8')
      .send(answer.body);
  };
}

/**
 * Fastify's `clientErrorHandler`: Node's HTTP parser refused the request (headers and URL over
 * 16 KB, bytes that are no HTTP, a timeout), so there is no request, only the socket. Fastify's
 * default writes a body of its own shape; this writes the contract's, with a request id of its
 * own (none was read), and closes the connection as Node does.
 */
export function clientErrorHandler(headers: Readonly<Record<string, string>>) {
  const headerLines = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (error: NodeJS.ErrnoException, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, detail] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request header fields too large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request timeout']
          : [400, 'Bad request'];
    const body = JSON.stringify({ detail });
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headerLines}` +
          'content-type: application/json; charset=utf-8\r\n' +
          `content-length: ${Buffer.byteLength(body)}\r\n` +
          `x-request-id: ${randomUUID()}\r\n` +
          'connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy(error);
  };
}

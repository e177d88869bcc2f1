import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, RequestValidationError } from './api-errors';
import { isOAuthPath, toOAuthErrorAnswer } from './oauth-error-answer';
import { OAuthError } from './oauth-errors';
import { isDatabaseDown } from '../../database/errors';

/** Fastify's own 4xx errors (raised before a route runs), with the detail a client should see. */
const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported media type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty but Content-Type is application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Invalid Content-Length',
};

export interface ErrorAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Readonly<Record<string, string>>;
}

/**
 * Turns every error into the contract's shape. Expected errors keep their status and detail;
 * anything unexpected becomes a generic 500 carrying only the request id, and is logged with its
 * stack. Nothing a client sends is echoed back beyond validation messages.
 */
export function toErrorAnswer(error: unknown, requestId: string): ErrorAnswer {
  if (error instanceof RequestValidationError) {
    return { status: 422, body: { detail: error.issues } };
  }
  if (error instanceof ApiError) {
    const body: Record<string, unknown> = { detail: error.detail };
    if (error.code) body.code = error.code;
    return { status: error.getStatus(), body, headers: error.headers };
  }
  // Thrown outside /oauth/* (a management route, say): the contract's shape, its code beside.
  if (error instanceof OAuthError) {
    return {
      status: error.getStatus(),
      body: { detail: error.description, code: error.error },
      headers: error.headers,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const detail = status === 404 ? 'Not Found' : error.message;
    return { status, body: { detail } };
  }
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  const code = (error as { code?: unknown }).code;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const detail =
      (typeof code === 'string' && FASTIFY_DETAILS[code]) ||
      (error instanceof SyntaxError || code === 'FST_ERR_CTP_INVALID_JSON'
        ? 'Malformed JSON in request body'
        : 'Bad request');
    return { status: statusCode, body: { detail } };
  }
  if (isDatabaseDown(error)) {
    return { status: 503, body: { detail: 'Service unavailable' } };
  }
  return { status: 500, body: { detail: 'Internal server error', request_id: requestId } };
}

/**
 * An ApiError as the contract answers it (toErrorAnswer's answer, its body serialized once per
 * error): refusals are the commonest errors, and a refused caller must cost no more than an
 * allowed one (issue #21). Also sent by the verify route, straight from Fastify.
 */
export function sendApiError(reply: FastifyReply, error: ApiError): void {
  void reply
    .status(error.getStatus())
    .headers(error.headers)
    .type('application/json; charset=utf-8')
    .send(error.body);
}

/**
 * The one exception filter: the contract's `{"detail": ...}` everywhere, RFC 6749's
 * `{"error", "error_description"}` on the OAuth endpoints (/oauth/*, oauth-error-answer.ts).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (error instanceof ApiError && !isOAuthPath(request.url)) return sendApiError(reply, error);
    const contract = toErrorAnswer(error, String(request.id));
    const answer = isOAuthPath(request.url) ? toOAuthErrorAnswer(error, contract) : contract;
    if (answer.status >= 500) {
      this.logger.error(
        { err: error, request_id: request.id },
        answer.status === 503 ? 'Dependency unavailable' : 'Unhandled error',
      );
    }
    void reply
      .status(answer.status)
      .headers(answer.headers ?? {})
      .type('application/json; charset=utf-8')
      .send(answer.body);
  }
}

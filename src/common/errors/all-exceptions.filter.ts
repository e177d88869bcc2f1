import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { isPageRoute } from '../http/page-routes';
import { ApiError, RequestValidationError } from './api-errors';
import { ERROR_PAGE_RENDERER, ErrorPageRenderer } from './error-pages';
import { isOAuthPath, toOAuthErrorAnswer } from './oauth-error-answer';
import { OAuthError } from './oauth-errors';
import { CredentialVerifiers } from '../auth/credential-verifiers';
import { DatabaseAvailability } from '../../database/database-availability';
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
 * `{"error", "error_description"}` on the OAuth endpoints (/oauth/*, oauth-error-answer.ts), and
 * an HTML page on the routes that are pages (@Page: the hosted login page, whose reader is a
 * person in a browser), drawn by the pages' module (error-pages.ts).
 * A server error (5xx) is also the caller's failed request: a verified credential that counts
 * its use counts it as failed, not served (here, so a served request pays nothing for it).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  constructor(
    private readonly verifiers: CredentialVerifiers,
    private readonly database: DatabaseAvailability,
    @Optional() @Inject(ERROR_PAGE_RENDERER) private readonly errorPages?: ErrorPageRenderer,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.answer(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  /** What `catch` answers, for a request Nest did not route (the fast lane, fast-lane.ts). */
  answer(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    if (error instanceof ApiError && !isOAuthPath(request.url)) return sendApiError(reply, error);
    const contract = toErrorAnswer(error, String(request.id));
    const onPage = this.errorPages !== undefined && isPageRoute(request);
    const answer =
      !onPage && isOAuthPath(request.url) ? toOAuthErrorAnswer(error, contract) : contract;
    if (answer.status >= 500) this.serverError(error, answer.status, request, reply);
    if (onPage) {
      this.errorPages!.render(answer, request, reply).catch((renderError: unknown) => {
        this.logger.error({ err: renderError, request_id: request.id }, 'Error page failed');
        if (!reply.sent) this.sendJson(reply, answer);
      });
      return;
    }
    this.sendJson(reply, answer);
  }

  private sendJson(reply: FastifyReply, answer: ErrorAnswer): void {
    void reply
      .status(answer.status)
      .headers(answer.headers ?? {})
      .type('application/json; charset=utf-8')
      .send(answer.body);
  }

  private serverError(
    error: unknown,
    status: number,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const principal = request.principal;
    if (principal) this.verifiers.failedToServe(principal, Date.now() - reply.elapsedTime);
    // Not one line per request while the database is away: DatabaseAvailability logs the outage
    // once, then how many requests it refused per interval, then its end.
    if (status === 503 && isDatabaseDown(error)) this.database.refused(error);
    else {
      this.logger.error(
        { err: error, request_id: request.id },
        status === 503 ? 'Dependency unavailable' : 'Unhandled error',
      );
    }
  }
}

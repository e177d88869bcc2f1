import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorAnswer } from '../../../common/errors/all-exceptions.filter';
import type { ErrorPageRenderer } from '../../../common/errors/error-pages';
import { LOGIN_PATH, withReturnTo } from './login/login-page.service';
import { PageRenderer } from './page-renderer';
import { safeReturnTo } from './return-to';

export interface ErrorText {
  heading: string;
  message: string;
  /** The OAuth error code, for the developer of the application that sent the browser here. */
  code?: string;
}

/**
 * The hosted pages' errors as a page (the exception filter's ErrorPageRenderer): what happened in
 * words for a person, the status and headers (Retry-After) of the answer, a way back, and for
 * an unexpected error the request id to quote. Never the internal detail.
 */
@Injectable()
export class HtmlErrorPages implements ErrorPageRenderer {
  constructor(private readonly pages: PageRenderer) {}

  async render(answer: ErrorAnswer, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    void reply.headers(answer.headers ?? {});
    await this.pages.render(
      request,
      reply,
      'error',
      {
        ...describe(answer),
        code: null,
        reference: answer.status >= 500 ? String(request.id) : null,
        retryPath: retryPathOf(request),
      },
      answer.status,
    );
  }

  /**
   * A page's own refusal, in its words: an authorization request that cannot be answered by a
   * redirect (unknown client, unregistered redirect URI), a consent form that expired. No "Try
   * again": repeating the request would fail the same way; the way back is the application.
   */
  async show(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    text: ErrorText,
  ): Promise<void> {
    await this.pages.render(
      request,
      reply,
      'error',
      { ...text, code: text.code ?? null, reference: null, retryPath: null },
      status,
    );
  }
}

function describe(answer: ErrorAnswer): ErrorText {
  const detail = typeof answer.body.detail === 'string' ? answer.body.detail : '';
  switch (answer.status) {
    case 403:
      return /csrf/i.test(detail)
        ? {
            heading: 'This form has expired',
            message:
              'For your security, the form could not be accepted. Go back to the page and try again.',
          }
        : { heading: 'Access denied', message: 'You cannot do this.' };
    case 404:
      return { heading: 'Page not found', message: 'There is nothing at this address.' };
    case 429:
      return { heading: 'Too many requests', message: detail || 'Wait a moment, then try again.' };
    case 503:
      return {
        heading: 'Temporarily unavailable',
        message: 'Tessera cannot answer right now. Try again in a moment.',
      };
  }
  if (answer.status >= 500) {
    return {
      heading: 'Something went wrong',
      message: 'Try again. If it keeps happening, give your administrator the reference below.',
    };
  }
  return {
    heading: 'This request could not be read',
    message: 'Go back to the page and try again.',
  };
}

/**
 * Where "Try again" goes: the same page for a GET; after a form post, which a link cannot
 * repeat, the page the form came from: the login page (with the post's `return_to`, when it is
 * one) after a login form, the post's `return_to` after another page's form (the consent
 * page's: its authorization request, asked again).
 */
function retryPathOf(request: FastifyRequest): string {
  if (request.method === 'GET') return request.url;
  const returnTo = safeReturnTo((request.body as Record<string, unknown> | null)?.return_to);
  if (!request.url.startsWith(LOGIN_PATH) && returnTo) return returnTo;
  return withReturnTo(LOGIN_PATH, returnTo);
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorAnswer } from './all-exceptions.filter';

/**
 * Answers errors on @Page routes as HTML, where a person and not a program reads them. Provided
 * by the module that owns the pages (its templates); the one exception filter uses it on page
 * routes and answers every other route in the contract's JSON, as before.
 */
export interface ErrorPageRenderer {
  /** Sends `answer` (status, headers, the contract's detail) as an HTML page. */
  render(answer: ErrorAnswer, request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export const ERROR_PAGE_RENDERER = Symbol('ErrorPageRenderer');

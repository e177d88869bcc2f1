import type { Response } from 'supertest';

/** What a stack trace looks like in a message or a page. */
const STACK_TRACES = [/\n\s+at \S+ \(/, /node_modules/, /\.[jt]s:\d+:\d+/];
/** ... and a framework's error page, in a message. */
const LEAKS = [...STACK_TRACES, /<!doctype html/i, /<html/i];

const isString = (value: unknown): value is string => typeof value === 'string';

/** A 422's `detail`: a non-empty list of `{loc, msg, type}` with nothing else in them. */
function validationIssueProblems(detail: unknown): string[] {
  if (!Array.isArray(detail) || detail.length === 0) return ['422 detail is not a list of issues'];
  return detail.flatMap((issue: unknown, index) => {
    const { loc, msg, type, ...rest } = (issue ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    if (!Array.isArray(loc) || !loc.every((part) => isString(part) || typeof part === 'number')) {
      problems.push(`issue ${index}: loc is not a list of names and indexes`);
    }
    if (!isString(msg) || !isString(type)) problems.push(`issue ${index}: msg or type not text`);
    if (Object.keys(rest).length)
      problems.push(`issue ${index}: extra fields ${Object.keys(rest)}`);
    return problems;
  });
}

/**
 * How an answer breaks the contract (API.md, "Errors"); empty when it does not. Never a 5xx for
 * input, always an X-Request-Id. A 4xx is, by the route's kind (`errors`): the contract's JSON,
 * `{"detail": "text"}` with an optional text `code`, except a 422, whose `detail` is the list of
 * validation issues; on /oauth/*, RFC 6749's `{"error", "error_description"}`; on a page, an HTML
 * page. No message is a stack trace or an HTML page, and no page shows a stack trace.
 */
export function contractProblems(
  response: Response,
  errors: 'contract' | 'oauth' | 'page' = 'contract',
): string[] {
  const problems: string[] = [];
  const { status } = response;
  if (status >= 500) problems.push(`status ${status}`);
  if (!response.headers['x-request-id']) problems.push('no X-Request-Id');
  if (status < 400) return problems;
  // Node refused the request line or headers before any route was known: the contract's shape.
  if (status === 431) errors = 'contract';
  // A path refused before any route was known (one Fastify cannot decode, `/sso/%/acs`, or a
  // segment over the length limit, 414): the same, on page routes with a path id too.
  if (status === 414 || (status === 400 && response.body?.detail === 'Malformed URL')) {
    errors = 'contract';
  }
  if (errors === 'page') return [...problems, ...pageProblems(response)];
  if (!/^application\/json/.test(String(response.headers['content-type']))) {
    return [...problems, `content-type ${response.headers['content-type']}`];
  }
  if (errors === 'oauth') return [...problems, ...oauthProblems(response.body)];
  const { detail, code, ...rest } = (response.body ?? {}) as Record<string, unknown>;
  if (Object.keys(rest).length) problems.push(`extra fields ${Object.keys(rest)}`);
  if (status === 422) {
    problems.push(...validationIssueProblems(detail));
  } else {
    if (!isString(detail)) problems.push('detail is not text');
    if (code !== undefined && !isString(code)) problems.push('code is not text');
  }
  // The server's own words; a 422's loc names the client's fields, whatever they are called.
  const messages = Array.isArray(detail)
    ? detail.flatMap((issue: { msg?: unknown; type?: unknown }) => [issue?.msg, issue?.type])
    : [detail];
  const text = messages.filter(isString).join('\n');
  for (const leak of LEAKS) if (leak.test(text)) problems.push(`message matches ${leak}`);
  return problems;
}

/** RFC 6749 section 5.2: `error` and `error_description`, and a 500's request id. */
function oauthProblems(body: unknown): string[] {
  const { error, error_description, request_id, ...rest } = (body ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (Object.keys(rest).length) problems.push(`extra fields ${Object.keys(rest)}`);
  if (!isString(error) || !/^[a-z_]+$/.test(error)) problems.push('error is not an error code');
  if (!isString(error_description)) problems.push('error_description is not text');
  else if (/[^\x20-\x7e]|["\\]/.test(error_description)) {
    problems.push('error_description has characters RFC 6749 does not allow');
  }
  if (request_id !== undefined && !isString(request_id)) problems.push('request_id is not text');
  for (const leak of LEAKS) {
    if (isString(error_description) && leak.test(error_description)) {
      problems.push(`error_description matches ${leak}`);
    }
  }
  return problems;
}

/** A page's error: an HTML page of the layout (its title), never a stack trace. */
function pageProblems(response: Response): string[] {
  const problems: string[] = [];
  if (!/^text\/html/.test(String(response.headers['content-type']))) {
    return [`content-type ${response.headers['content-type']}`];
  }
  if (!/<title>[^<]+ · Tessera<\/title>/.test(response.text)) problems.push('no page title');
  for (const leak of STACK_TRACES)
    if (leak.test(response.text)) problems.push(`page matches ${leak}`);
  return problems;
}

import type { Response } from 'supertest';

/** What a stack trace or a framework's error page looks like in a message. */
const LEAKS = [/\n\s+at \S+ \(/, /node_modules/, /\.[jt]s:\d+:\d+/, /<!doctype html/i, /<html/i];

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
 * input; a 4xx is JSON, `{"detail": "text"}` with an optional text `code`, except a 422, whose
 * `detail` is the list of validation issues, and except on /oauth/*, where it is RFC 6749's
 * `{"error", "error_description"}`; no message is a stack trace or an HTML page.
 */
export function contractProblems(response: Response, path: string): string[] {
  const problems: string[] = [];
  const { status } = response;
  if (status >= 500) problems.push(`status ${status}`);
  if (!response.headers['x-request-id']) problems.push('no X-Request-Id');
  if (status < 400) return problems;
  if (!/^application\/json/.test(String(response.headers['content-type']))) {
    return [...problems, `content-type ${response.headers['content-type']}`];
  }
  // A 431 is answered by the HTTP parser, before any route (or path) is known.
  if (path.startsWith('/oauth/') && status !== 431) {
    return [...problems, ...oauthErrorProblems(response)];
  }
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

/** RFC 6749 section 5.2: `error` a code, `error_description` printable ASCII; never cached. */
function oauthErrorProblems(response: Response): string[] {
  const problems: string[] = [];
  const { error, error_description, ...rest } = (response.body ?? {}) as Record<string, unknown>;
  if (Object.keys(rest).length) problems.push(`extra fields ${Object.keys(rest)}`);
  if (!isString(error) || !/^[a-z_]+$/.test(error)) problems.push('error is not an error code');
  if (!isString(error_description) || !/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(error_description)) {
    problems.push('error_description is not RFC 6749 text');
  }
  if (response.headers['cache-control'] !== 'no-store') problems.push('error answer may be cached');
  for (const leak of LEAKS) {
    if (isString(error_description) && leak.test(error_description)) {
      problems.push(`message matches ${leak}`);
    }
  }
  return problems;
}

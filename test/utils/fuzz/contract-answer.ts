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
 * `detail` is the list of validation issues; no message is a stack trace or an HTML page.
 */
export function contractProblems(response: Response): string[] {
  const problems: string[] = [];
  const { status } = response;
  if (status >= 500) problems.push(`status ${status}`);
  if (!response.headers['x-request-id']) problems.push('no X-Request-Id');
  if (status < 400) return problems;
  if (!/^application\/json/.test(String(response.headers['content-type']))) {
    return [...problems, `content-type ${response.headers['content-type']}`];
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

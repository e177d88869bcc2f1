import {
  BadRequestError,
  RequestValidationError,
  ValidationIssue,
} from '../../../common/errors/api-errors';
import { inputShapeIssues } from '../../../common/validation/input-shape';
import { API_KEY_SECRET_TYPE } from './key-pattern';

/**
 * Tokens one report may hold (400 past it). GitHub sends matches in batches; together with
 * BODY_LIMIT_BYTES (413) this bounds the work one signed request can ask for.
 */
export const LEAK_REPORT_MAX_TOKENS = 500;

/** A key is under 70 characters; anything far longer is no key and need not be hashed whole. */
const MAX_CHARS = { token: 1000, type: 200, url: 2048, source: 100 } as const;
const MAX_REPORTED_ISSUES = 20;

/** One match of a secret scanner, as GitHub's partner program sends it. */
export interface ReportedToken {
  token: string;
  /** The secret type the scanner matched (echoed in the answer as `token_type`). */
  type: string;
  /** Where the match was found, publicly (may be empty). */
  url: string | null;
  /** What kind of place it was (`commit`, `gist`, `npm`, ...). */
  source: string | null;
}

/**
 * The body of `POST /v1/api-keys/leaked`: a JSON array of `{token, type, url, source}`. Fields
 * beyond these are ignored rather than refused, so a partner adding one does not break reports.
 * Checked only after the signature, so an unsigned caller learns nothing from a 422.
 */
export function reportedTokensOf(body: unknown): ReportedToken[] {
  if (!Array.isArray(body)) {
    throw new RequestValidationError([
      { loc: ['body'], msg: 'value is not a valid list', type: 'type_error.list' },
    ]);
  }
  if (body.length > LEAK_REPORT_MAX_TOKENS) {
    throw new BadRequestError(
      `A report holds at most ${LEAK_REPORT_MAX_TOKENS} tokens; send the rest in another`,
      'too_many_tokens',
    );
  }
  const shape = inputShapeIssues(body);
  if (shape.length > 0) throw new RequestValidationError(shape).locatedIn('body');
  const issues: ValidationIssue[] = [];
  const tokens = body.map((entry: unknown, index) => tokenAt(entry, index, issues));
  if (issues.length > 0) throw new RequestValidationError(issues.slice(0, MAX_REPORTED_ISSUES));
  return tokens;
}

function tokenAt(entry: unknown, index: number, issues: ValidationIssue[]): ReportedToken {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    issues.push({
      loc: ['body', index],
      msg: 'value is not a valid object',
      type: 'type_error.dict',
    });
    return { token: '', type: '', url: null, source: null };
  }
  const fields = entry as Record<string, unknown>;
  const text = (field: keyof typeof MAX_CHARS, required: boolean): string | null => {
    const value = fields[field];
    const loc = ['body', index, field];
    if (value === undefined || value === null) {
      if (required) issues.push({ loc, msg: 'field required', type: 'value_error.missing' });
      return null;
    }
    if (typeof value !== 'string') {
      issues.push({ loc, msg: 'str type expected', type: 'type_error.str' });
      return null;
    }
    if (value.length > MAX_CHARS[field]) {
      issues.push({
        loc,
        msg: `ensure this value has at most ${MAX_CHARS[field]} characters`,
        type: 'value_error.any_str.max_length',
      });
      return null;
    }
    return value;
  };
  return {
    token: text('token', true) ?? '',
    type: text('type', false) || API_KEY_SECRET_TYPE,
    url: text('url', false) || null,
    source: text('source', false) || null,
  };
}

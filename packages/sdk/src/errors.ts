/** One entry of a 422 answer: where the bad value was and what is wrong with it. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export interface TesseraErrorFields {
  status: number;
  /** The server's `detail` (its human message), or the OAuth `error_description`. */
  detail: string;
  /** The stable `code` some answers carry beside `detail` (e.g. `missing_scope`). */
  code?: string;
  /** The OAuth error (`invalid_grant`, ...) on /oauth/* answers. */
  error?: string;
  errorDescription?: string;
  /** 422: each invalid field. */
  issues?: ValidationIssue[];
  /** The X-Request-Id of the answer: quote it to the operator. */
  requestId?: string;
  /** Seconds the server asked to wait (429, 503). */
  retryAfterSeconds?: number;
  method?: string;
  url?: string;
}

/**
 * Any answer of Tessera that is not a success, as the client sees it: status, the server's
 * message and the request id. Thrown by every call of the SDK.
 */
export class TesseraError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly code?: string;
  readonly error?: string;
  readonly errorDescription?: string;
  readonly issues?: ValidationIssue[];
  readonly requestId?: string;
  readonly retryAfterSeconds?: number;
  readonly method?: string;
  readonly url?: string;

  constructor(fields: TesseraErrorFields) {
    super(messageOf(fields));
    this.name = 'TesseraError';
    this.status = fields.status;
    this.detail = fields.detail;
    this.code = fields.code;
    this.error = fields.error;
    this.errorDescription = fields.errorDescription;
    this.issues = fields.issues;
    this.requestId = fields.requestId;
    this.retryAfterSeconds = fields.retryAfterSeconds;
    this.method = fields.method;
    this.url = fields.url;
  }

  /** Reads the answer's body (`{detail, code?}`, `{error, error_description}` or anything else). */
  static async fromResponse(
    response: Response,
    request?: { method: string; url: string },
  ): Promise<TesseraError> {
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const fields: TesseraErrorFields = {
      status: response.status,
      detail: text.slice(0, 200) || response.statusText || `HTTP ${response.status}`,
      requestId: response.headers.get('x-request-id') ?? undefined,
      retryAfterSeconds: retryAfterSecondsOf(response.headers.get('retry-after')),
      method: request?.method,
      url: request ? withoutQuery(request.url) : undefined,
    };
    if (isObject(body)) {
      if (typeof body.detail === 'string') fields.detail = body.detail;
      else if (Array.isArray(body.detail)) {
        fields.issues = body.detail as ValidationIssue[];
        fields.detail = fields.issues
          .map((issue) => `${(issue.loc ?? []).join('.')}: ${issue.msg}`)
          .join('; ');
      }
      if (typeof body.code === 'string') fields.code = body.code;
      if (typeof body.error === 'string') {
        fields.error = body.error;
        if (typeof body.error_description === 'string') {
          fields.errorDescription = body.error_description;
        }
        fields.detail = fields.errorDescription ?? fields.error;
      }
    }
    return new TesseraError(fields);
  }
}

/** Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function retryAfterSecondsOf(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function messageOf(fields: TesseraErrorFields): string {
  const parts = [`${fields.status}: ${fields.detail}`];
  if (fields.requestId) parts.push(`request id ${fields.requestId}`);
  return parts.join(' (') + (fields.requestId ? ')' : '');
}

/** Never an API key that came in `?api_key=` in a message or a log line. */
function withoutQuery(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : url.slice(0, at);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

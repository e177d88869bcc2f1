import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

const HELMET_OPTIONS: Parameters<typeof helmet>[0] = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"], // Swagger UI at /docs
      imgSrc: ["'self'", 'data:'],
      scriptSrc: ["'self'"],
    },
  },
};

/**
 * The headers of every API (JSON) response, after the OWASP REST Security Cheat Sheet: nothing
 * may be cached (answers carry tokens, keys and personal data; RFC 6749 section 5.1 requires
 * `no-store` on token responses), nothing may frame or run the body, and HTTPS is pinned.
 * helmet's other headers concern HTML documents and only the API documentation pages get them.
 * Each response header costs two regex scans in Node's validation, so the list is kept to what
 * protects a JSON answer.
 */
const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

/**
 * The headers of Tessera's own HTML pages (the hosted login and consent pages, @Page routes):
 * the API's, with a CSP that lets the page load its one stylesheet and post its forms to this
 * origin, and nothing else: no script, no inline style, no frame, no other origin. The pages
 * hold a password field, so nothing may frame them (clickjacking) or cache them.
 */
const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...API_HEADERS,
  'content-security-policy': pageCsp("'self'"),
  'cross-origin-opener-policy': 'same-origin',
});

function pageCsp(formAction: string): string {
  return (
    `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${formAction}; ` +
    "frame-ancestors 'none'; base-uri 'none'"
  );
}

/**
 * The pages' CSP for a page whose form's answer redirects to `uris` (an OAuth client's redirect
 * URI after consent or sign-in, a post-logout URI). Chrome and Safari hold every redirect that
 * follows a form's post to `form-action`, so with `'self'` alone the browser would refuse the
 * redirect that delivers the code. Each URI adds its origin (`https://app.example:8443`), or its
 * scheme for a native app's private-use scheme (`com.example.app:`) and for an IPv6 loopback,
 * which CSP's source grammar cannot name.
 */
export function pageCspAllowingRedirectsTo(uris: readonly string[]): string {
  const sources = [...new Set(uris.map(formTargetSource).filter((s): s is string => s !== null))];
  return pageCsp(["'self'", ...sources].join(' '));
}

function formTargetSource(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol === 'https:' || url.protocol === 'http:') {
    return url.hostname.startsWith('[') ? url.protocol : url.origin;
  }
  return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : null;
}

/** The path prefixes of the API documentation pages (Swagger UI), which get helmet's full set. */
export const DOCUMENT_PATH_PREFIX = '/docs';

export interface SecurityHeaders {
  api: Readonly<Record<string, string>>;
  documents: Readonly<Record<string, string>>;
  pages: Readonly<Record<string, string>>;
}

/**
 * Both sets are computed once at start. helmet's is recorded by running helmet against a
 * recording response: the headers do not vary per request (no CSP nonces), and @fastify/helmet
 * rebuilds helmet's middleware chain on every request (measured here at ~9% of a request's CPU).
 */
export function securityHeaders(): SecurityHeaders {
  const documents: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      documents[name.toLowerCase()] = String(value);
    },
    removeHeader: () => undefined,
  } as unknown as ServerResponse;
  helmet(HELMET_OPTIONS)({} as IncomingMessage, recorder, () => undefined);
  return { api: API_HEADERS, documents: Object.freeze(documents), pages: PAGE_HEADERS };
}

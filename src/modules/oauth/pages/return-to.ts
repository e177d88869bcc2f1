/** Where a page may send the browser after sign-in: Tessera's own OAuth pages, nothing else. */
const RETURN_PREFIX = '/oauth/';
/** An authorization request with a long `state` and `nonce` still fits (the URL is 16 KB at most). */
export const RETURN_TO_MAX_LENGTH = 8192;
/** A base of no real origin: a value that leaves it named another host. */
const BASE = 'http://return-to.invalid';

/**
 * `return_to` as a same-origin path under /oauth/ (normalised as the browser would resolve it),
 * or null. Refused: absolute URLs, scheme-relative `//host`, backslashes (`/\host` is `//host` to
 * browsers), control characters (the URL parser drops tabs and newlines, turning `/\t/host` into
 * `//host`), and paths that leave /oauth/ once `..` and `%2e%2e` are resolved. The redirect goes
 * to the normalised path, never to the text as given.
 */
export function safeReturnTo(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > RETURN_TO_MAX_LENGTH) return null;
  if (!value.startsWith(RETURN_PREFIX)) return null;
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE || !url.pathname.startsWith(RETURN_PREFIX)) return null;
  return url.pathname + url.search;
}

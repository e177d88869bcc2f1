/** Query parameters that carry credentials and must never reach a log line. */
const SECRET_QUERY_PARAMS = [
  'api_key',
  'access_token',
  'token',
  'refresh_token',
  'client_secret',
  'code',
  // RP-initiated logout's ID token: it names the user (email, name) and is a token.
  'id_token_hint',
] as const;
const SECRET_NAMES = new Set<string>(SECRET_QUERY_PARAMS);

/**
 * A URL worth a closer look: it spells a secret parameter's name as is (in any case), or it has a
 * percent escape, which may spell one (`api%5Fkey`). Anything else is logged untouched after this
 * one test. A name starts after `?`, `#` or `&`: Fastify's router takes the query from the first
 * `?` or `#`, so `/v1/auth/verify#api_key=…` is a credential too.
 */
const MAYBE_SECRET = new RegExp(`%|[?#&](?:${SECRET_QUERY_PARAMS.join('|')})=`, 'i');
/** A parameter name and its `=`; the value runs to the next `&`, as the query parser reads it. */
const PARAMETER_NAME = /[?#&]([^=&?#]*)=/g;

export function redactUrl(url: string): string {
  if (!MAYBE_SECRET.test(url)) return url;
  let redacted = '';
  let copiedUpTo = 0;
  PARAMETER_NAME.lastIndex = 0;
  for (let match = PARAMETER_NAME.exec(url); match; match = PARAMETER_NAME.exec(url)) {
    if (!isSecretName(match[1])) continue;
    const valueStart = match.index + match[0].length;
    const next = url.indexOf('&', valueStart);
    const valueEnd = next < 0 ? url.length : next;
    redacted += `${url.slice(copiedUpTo, valueStart)}[REDACTED]`;
    copiedUpTo = valueEnd;
    PARAMETER_NAME.lastIndex = valueEnd;
  }
  return copiedUpTo === 0 ? url : redacted + url.slice(copiedUpTo);
}

/**
 * Compared as the query parser (fast-querystring) decodes names, ignoring case as well. A `+`
 * decodes to a space, which no secret name has; a malformed escape leaves the name as sent.
 */
function isSecretName(rawName: string): boolean {
  let name = rawName;
  if (name.includes('%')) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // Not decodable: the parser keeps it as sent, which no secret name matches either.
    }
  }
  return SECRET_NAMES.has(name.toLowerCase());
}

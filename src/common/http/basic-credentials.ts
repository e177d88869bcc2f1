/** A client's id and secret from `Authorization: Basic` (RFC 6749 section 2.3.1). */
export interface BasicCredentials {
  clientId: string;
  secret: string;
}

/** Whether the request authenticates with `Authorization: Basic` at all. */
export function isBasicAuthorization(authorization: string | undefined): boolean {
  return authorization !== undefined && /^basic /i.test(authorization);
}

/**
 * `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`, decoded as RFC 6749 section
 * 2.3.1 asks (form-decoding inside the base64): null without such a header, `'malformed'` when it
 * cannot be read (no colon, an empty id, broken percent-encoding). The one reader for the token
 * endpoint's client authentication and its rate-limit tracker, so both name the same client.
 */
export function basicCredentialsOf(
  authorization: string | undefined,
): BasicCredentials | 'malformed' | null {
  if (!isBasicAuthorization(authorization)) return null;
  const decoded = Buffer.from(authorization!.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return 'malformed';
  try {
    const clientId = formDecode(decoded.slice(0, colon));
    return clientId === ''
      ? 'malformed'
      : { clientId, secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return 'malformed';
  }
}

/** Most ids and secrets (Tessera's are) have nothing encoded: they are returned as they are. */
function formDecode(value: string): string {
  if (!value.includes('%') && !value.includes('+')) return value;
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

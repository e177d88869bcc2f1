/**
 * Which redirect URIs a client may register (RFC 9700 section 2.1, RFC 8252 sections 7.1 and
 * 7.3). A URI is kept exactly as given and later compared as a string, so the rules look at the
 * text itself, not at what a URL parser would make of it (`http://0x7f.1/` parses as 127.0.0.1).
 */

/**
 * `https`: any web app. `loopback`: plain http to this machine (native and CLI apps listening on a
 * local port; the traffic never leaves the device). `private_use`: a reverse-domain scheme a
 * native app claims on its platform (`com.example.app:/callback`): public clients only.
 */
export type RedirectUriKind = 'https' | 'loopback' | 'private_use';

export const MAX_REDIRECT_URIS = 20;
export const MAX_REDIRECT_URI_CHARS = 2000;

/** The loopback hosts http may name, as RFC 8252 7.3 and the issue list them. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Printable ASCII without spaces: what RFC 3986 lets a URI hold (anything else is encoded). */
const URI_CHARACTERS = /^[\x21-\x7e]+$/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):(.+)$/s;
/** `//authority` then the rest: the authority ends at the first `/`, `?` or `#`. */
const AUTHORITY = /^\/\/([^/?#]*)/;

/** The kind of `uri`, or null when no client may register it. */
export function redirectUriKind(uri: string): RedirectUriKind | null {
  if (uri.length > MAX_REDIRECT_URI_CHARS || !URI_CHARACTERS.test(uri)) return null;
  // The authorization server appends the code to the query; a fragment would swallow it.
  if (uri.includes('#')) return null;
  const parts = SCHEME.exec(uri);
  if (!parts) return null;
  const scheme = parts[1].toLowerCase();
  if (scheme === 'https' || scheme === 'http') {
    const host = webHostOf(parts[2]);
    if (host === null) return null;
    if (scheme === 'https') return 'https';
    return LOOPBACK_HOSTS.has(host) ? 'loopback' : null;
  }
  // A private-use scheme is a reverse domain name (RFC 8252 7.1): it has a dot, which also
  // keeps out javascript:, data:, file: and every other scheme browsers act on by themselves.
  return scheme.includes('.') && isParsable(uri) ? 'private_use' : null;
}

/**
 * The host of a web URI's `//authority` (lower case, without the port), or null when it has
 * none, carries credentials (`user@host`), a wildcard (patterns never match: URIs are exact) or
 * does not parse as a URL at all.
 */
function webHostOf(afterScheme: string): string | null {
  const authority = AUTHORITY.exec(afterScheme)?.[1];
  if (!authority || authority.includes('@') || authority.includes('*')) return null;
  const host = /^(\[[^\]]*\]|[^:]*)(:\d{1,5})?$/.exec(authority)?.[1];
  if (!host || !isParsable(`https://${authority}/`)) return null;
  return host.toLowerCase();
}

function isParsable(uri: string): boolean {
  try {
    new URL(uri);
    return true;
  } catch {
    return false;
  }
}

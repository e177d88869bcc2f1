import { asErrorDescription } from '../../../../common/errors/oauth-error-answer';
import type { OAuthError } from '../../../../common/errors/oauth-errors';

/**
 * The redirect URI with the answer's parameters added to its query (RFC 6749 section 4.1.2). The
 * URI is the registered one, byte for byte (it has no fragment: registration refuses one); its own
 * query, if any, is kept as written, the answer's parameters follow it.
 */
export function withResponseParameters(
  redirectUri: string,
  parameters: Record<string, string | null>,
): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== null) query.append(name, value);
  }
  const added = query.toString();
  if (added === '') return redirectUri;
  const separator = !redirectUri.includes('?') ? '?' : /[?&]$/.test(redirectUri) ? '' : '&';
  return `${redirectUri}${separator}${added}`;
}

/** A successful answer: the code, the client's state, and who issued it (RFC 9207). */
export function codeResponse(
  redirectUri: string,
  detail: { code: string; state: string | null; issuer: string },
): string {
  return withResponseParameters(redirectUri, {
    code: detail.code,
    state: detail.state,
    iss: detail.issuer,
  });
}

/** An error answer (RFC 6749 section 4.1.2.1), with the state and the issuer (RFC 9207). */
export function errorResponse(
  redirectUri: string,
  error: OAuthError,
  detail: { state: string | null; issuer: string },
): string {
  return withResponseParameters(redirectUri, {
    error: error.error,
    error_description: asErrorDescription(error.description),
    state: detail.state,
    iss: detail.issuer,
  });
}

/**
 * The authorization request to come back to once signed in, without what asked for a new
 * sign-in (`prompt=login`, `max_age`): the browser returning freshly signed in must continue,
 * not be sent to the login page again. (The client sees `auth_time` in the ID token; a person
 * editing the URL could drop these parameters from the client's request just as well.)
 */
export function withoutSignInDemands(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = new URLSearchParams(url.slice(at + 1));
  const prompt = (query.get('prompt') ?? '').split(' ').filter(Boolean);
  if (!query.has('max_age') && !prompt.includes('login')) return url;
  query.delete('max_age');
  const kept = prompt.filter((value) => value !== 'login');
  if (kept.length > 0) query.set('prompt', kept.join(' '));
  else query.delete('prompt');
  return `${url.slice(0, at)}?${query.toString()}`;
}

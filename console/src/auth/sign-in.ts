import { randomToken, s256 } from './pkce';

/**
 * The console's client, which Tessera registers for its issuer at start and names in the page it
 * serves (src/modules/console/console-client.ts).
 */
export const CLIENT_ID =
  document.querySelector<HTMLMetaElement>('meta[name="tessera-console-client"]')?.content ?? '';
export const CALLBACK_PATH = '/console/callback';
export const SIGNED_OUT_PATH = '/console/signed-out';

/** What must survive the trip to the login page and back: never a token. */
interface PendingSignIn {
  state: string;
  verifier: string;
  nonce: string;
  returnTo: string;
}

export interface ConsoleTokens {
  access_token: string;
  refresh_token: string;
  id_token?: string;
  expires_in: number;
}

const PENDING_KEY = 'tessera.console.sign-in';
const redirectUri = () => `${location.origin}${CALLBACK_PATH}`;

/**
 * Sends the browser to Tessera's authorization endpoint (authorization code + PKCE): the hosted
 * login page when there is no browser session, straight back with a code when there is one (the
 * console is first-party: no consent page). The console never sees a password.
 */
export async function startSignIn(
  returnTo: string,
  options: { fresh?: boolean } = {},
): Promise<void> {
  const pending: PendingSignIn = {
    state: randomToken(),
    verifier: randomToken(48),
    nonce: randomToken(),
    returnTo: returnTo.startsWith('/console') ? returnTo : '/console/',
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: redirectUri(),
    scope: 'openid email profile',
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await s256(pending.verifier),
    code_challenge_method: 'S256',
  });
  // A fresh sign-in (password, and the code when MFA is on) for what needs a recent one.
  if (options.fresh) query.set('prompt', 'login');
  location.assign(`/oauth/authorize?${query}`);
}

export class SignInError extends Error {}

/**
 * The callback: the code for the user's own session (tokens kept in memory only), and where the
 * person was going. A callback this tab did not start (no pending sign-in, another state) is
 * refused: it could be someone else's code.
 */
export async function completeSignIn(): Promise<{ tokens: ConsoleTokens; returnTo: string }> {
  const query = new URLSearchParams(location.search);
  const stored = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const pending = stored ? (JSON.parse(stored) as PendingSignIn) : null;
  if (!pending || query.get('state') !== pending.state) {
    throw new SignInError('This sign-in was not started here, or it expired. Sign in again.');
  }
  const error = query.get('error');
  if (error) {
    throw new SignInError(query.get('error_description') ?? `Sign-in failed (${error})`);
  }
  const code = query.get('code');
  if (!code) throw new SignInError('The sign-in answer carried no code. Sign in again.');
  const response = await fetch('/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri(),
      client_id: CLIENT_ID,
      code_verifier: pending.verifier,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as Partial<ConsoleTokens> & {
    error_description?: string;
  };
  if (!response.ok || !body.access_token || !body.refresh_token) {
    throw new SignInError(body.error_description ?? 'Tessera refused the sign-in. Sign in again.');
  }
  // The ID token must answer this sign-in's nonce (OpenID Connect Core 3.1.3.7): it came
  // straight from the token endpoint, so its signature needs no check here, but its nonce does.
  if (!body.id_token || nonceOf(body.id_token) !== pending.nonce) {
    throw new SignInError('The sign-in answer was not for this sign-in. Sign in again.');
  }
  return { tokens: body as ConsoleTokens, returnTo: pending.returnTo };
}

/** The `nonce` claim of a compact JWT, unverified; undefined when it has none or is no JWT. */
function nonceOf(jwt: string): string | undefined {
  try {
    const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload)) as { nonce?: unknown };
    return typeof claims.nonce === 'string' ? claims.nonce : undefined;
  } catch {
    return undefined;
  }
}

/**
 * After the session is ended (POST /v1/auth/logout), ends the browser session too: RP-initiated
 * logout with the ID token, back to the console's "signed out" page.
 */
export function leaveThroughLogoutPage(idToken: string | undefined): void {
  const query = new URLSearchParams({
    client_id: CLIENT_ID,
    post_logout_redirect_uri: `${location.origin}${SIGNED_OUT_PATH}`,
  });
  if (idToken) query.set('id_token_hint', idToken);
  location.assign(`/oauth/logout?${query}`);
}

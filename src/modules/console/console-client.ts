import { createHash } from 'node:crypto';

/**
 * Tessera's own OAuth client for the console: a public client (PKCE, no secret), first-party
 * (consent is never asked, and its code gets the user's own session: FirstPartySessions), whose
 * only redirect URI is the console's callback at the issuer's origin. It is registered by Tessera
 * at start and belongs to a member-less system organization, so no organization's admin can see,
 * change or delete it through /v1/oauth/clients.
 *
 * Its client_id is derived from the issuer's origin: each origin has a row of its own, which never
 * changes, so instances with different issuers on one database (tests, a move to a new domain)
 * never rewrite each other's. A row left by an old origin is useless: the authorization endpoint
 * sends a first-party client's code only to Tessera's own origin. The console reads its client_id
 * from its page (a meta tag Tessera fills in as it serves index.html).
 */
export function consoleClientId(issuer: string): string {
  const origin = new URL(issuer).origin;
  return `client_console_${createHash('sha256').update(origin).digest('hex').slice(0, 20)}`;
}

/** The placeholder of console/index.html that Tessera replaces with the client_id. */
export const CONSOLE_CLIENT_ID_PLACEHOLDER = '%TESSERA_CONSOLE_CLIENT_ID%';
export const CONSOLE_CLIENT_NAME = 'Tessera console';
/** The organization that owns Tessera's own clients: it has no member. */
export const SYSTEM_ORGANIZATION_ID = '00000000-0000-7000-8000-000000000001';
export const SYSTEM_ORGANIZATION_NAME = 'Tessera (system)';

export const CONSOLE_PATH = '/console';
export const CONSOLE_CALLBACK_PATH = `${CONSOLE_PATH}/callback`;
/** Where signing out of the console lands (RP-initiated logout's post_logout_redirect_uri). */
export const CONSOLE_SIGNED_OUT_PATH = `${CONSOLE_PATH}/signed-out`;

/** The console's redirect URIs, exact: the issuer's origin (the console must be reached there). */
export function consoleRedirectUris(issuer: string): {
  redirectUris: string[];
  postLogoutRedirectUris: string[];
} {
  const origin = new URL(issuer).origin;
  return {
    redirectUris: [`${origin}${CONSOLE_CALLBACK_PATH}`],
    postLogoutRedirectUris: [`${origin}${CONSOLE_SIGNED_OUT_PATH}`],
  };
}

import { Injectable } from '@nestjs/common';
import { OAuthClientsCache } from '../../clients/oauth-clients.cache';
import { isRegisteredRedirectUri } from '../../clients/oauth-client-fields';

export const AUTHORIZE_PATH = '/oauth/authorize';

/** The application a sign-in continues to. */
export interface ReturnToApplication {
  clientName: string;
  /** Where its authorization request will send the browser once signed in. */
  redirectUri: string;
}

/**
 * When the login page's `return_to` is an authorization request of a registered client with a
 * redirect URI it registered: that application, so the page can say whom the sign-in is for and
 * let its form's answer end at the redirect URI (the redirect chain of a form's post is held to
 * the page's CSP `form-action`). Anything else is no application.
 */
@Injectable()
export class ReturnToApplications {
  constructor(private readonly clients: OAuthClientsCache) {}

  async of(returnTo: string | null): Promise<ReturnToApplication | null> {
    if (returnTo === null) return null;
    const at = returnTo.indexOf('?');
    if (at < 0 || returnTo.slice(0, at) !== AUTHORIZE_PATH) return null;
    const query = new URLSearchParams(returnTo.slice(at + 1));
    const clientId = query.get('client_id');
    const redirectUri = query.get('redirect_uri');
    if (!clientId || !redirectUri || clientId.length > 100) return null;
    const client = await this.clients.find(clientId);
    if (!client || !isRegisteredRedirectUri(client, redirectUri)) return null;
    return { clientName: client.name, redirectUri };
  }
}

import { Injectable } from '@nestjs/common';
import { InvalidGrant } from '../../../common/errors/oauth-errors';
import type { RequestOrigin } from '../../../common/http/request-origin';
import { SessionsService } from '../../auth/sessions/sessions.service';
import { UsersService } from '../../users/users.service';
import type { OAuthClient } from '../storage/oauth-client.entity';
import type { OAuthGrant } from '../storage/oauth-grant.entity';
import { GrantTokens } from './grant-tokens';
import { OAuthGrants } from './oauth-grants';
import type { TokenAnswer } from './grant-type';

/**
 * A first-party client's sessions last a working day at most: the console keeps its tokens in
 * memory, so a new sign-in (silent, through the browser session) follows each page load.
 */
export const FIRST_PARTY_SESSION_MS = 12 * 3_600_000;

export interface FirstPartySignIn {
  client: OAuthClient;
  grant: OAuthGrant;
  scopes: readonly string[];
  authTime: Date;
  amr: readonly string[];
  nonce: string | null;
  origin: RequestOrigin;
}

/**
 * What a first-party client (Tessera's own console, registered by Tessera and never through the
 * API) gets for its code: the user's own sign-in, a session like POST /v1/auth/login's, rather
 * than a token acting for the user. The console is Tessera: it manages the account (MFA,
 * sessions), creates API keys and switches organizations (X-Organization-ID), none of which an
 * application's delegated token may do. Its refresh token is the session's (POST
 * /v1/auth/refresh, rotated), and POST /v1/auth/logout ends it. The session's `amr` and the
 * time it was signed in are the browser session's, so a sign-in that passed MFA counts as one and
 * an hours-old one is not recent.
 */
@Injectable()
export class FirstPartySessions {
  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly grantTokens: GrantTokens,
    private readonly grants: OAuthGrants,
  ) {}

  async issue(signIn: FirstPartySignIn): Promise<TokenAnswer> {
    const { client, grant, scopes } = signIn;
    const user = await this.users.findById(grant.userId);
    if (!user) throw new InvalidGrant('The user no longer exists');
    const tokens = await this.sessions.issue(
      user,
      [...signIn.amr],
      signIn.origin,
      FIRST_PARTY_SESSION_MS,
      // The sign-in on the hosted page, not this exchange: a silent sign-in with an old browser
      // session must not count as a recent one (changing the password, enrolling MFA).
      signIn.authTime,
      // Ending the grant (DELETE /v1/oauth/grants/:id, a reused code) ends the session.
      grant.id,
    );
    // Ended while the session was made (the code's other use, a DELETE): OAuthGrants.end may
    // have looked for the grant's sessions before this one was stored, so it ends here.
    if ((await this.grants.find(grant.id)) === null) {
      await this.sessions.revokeAllOfGrant(grant.id, 'oauth_grant_ended');
      throw new InvalidGrant('The grant ended');
    }
    const answer: TokenAnswer = {
      access_token: tokens.access_token,
      token_type: 'Bearer',
      expires_in: tokens.expires_in,
      // What the authorization request asked for; the access token itself carries the scopes
      // of the user's role, as every sign-in's does.
      scope: scopes.join(' '),
      refresh_token: tokens.refresh_token,
    };
    // For RP-initiated logout's id_token_hint (signing out of the console ends the browser
    // session too, without a confirmation page), the grant's last use and the audit event.
    return this.grantTokens.complete(answer, {
      grantType: 'authorization_code',
      client,
      grant,
      scopes,
      authTime: signIn.authTime,
      amr: signIn.amr,
      nonce: signIn.nonce,
      origin: signIn.origin,
    });
  }
}

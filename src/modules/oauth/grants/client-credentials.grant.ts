import { Injectable } from '@nestjs/common';
import { InvalidScope, UnauthorizedClient } from '../../../common/errors/oauth-errors';
import { hasScope } from '../../../common/auth/scopes';
import { AccessTokensService } from '../../tokens/access-tokens.service';
import { scopesOf } from '../clients/oauth-client-fields';
import { isOidcScope } from '../oidc-scopes';
import { OAuthAuditTrail } from '../oauth-audit-trail';
import type { OAuthClient } from '../storage/oauth-client.entity';
import { requestedScopes } from '../token/token-parameters';
import { GrantType, GrantTypeProvider, TokenAnswer, TokenRequest } from './grant-type';

/**
 * `client_credentials` (RFC 6749 section 4.4): a confidential client gets an access token for
 * itself, in its own organization, with the scopes it asks for (each within its registration;
 * all of them when it names none). No refresh token: it can always ask again.
 */
@Injectable()
@GrantTypeProvider()
export class ClientCredentialsGrant implements GrantType {
  readonly grantType = 'client_credentials';
  readonly parameters = ['scope'];

  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly audit: OAuthAuditTrail,
  ) {}

  async handler({ client, parameters, origin }: TokenRequest): Promise<TokenAnswer> {
    if (client.method === 'none') {
      throw new UnauthorizedClient('A public client cannot use client_credentials');
    }
    const scopes = grantedScopes(client.client, requestedScopes(parameters.scope));
    const issued = await this.accessTokens.issueOAuth({
      subject: client.client.id,
      clientId: client.client.id,
      organizationId: client.client.organizationId,
      scopes,
    });
    this.audit.tokenIssued(client.client, { grantType: this.grantType, scopes, origin });
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: scopes.join(' '),
    };
  }
}

/** The scopes asked for, each within the client's; all the client's (OIDC's aside) if none. */
function grantedScopes(client: OAuthClient, requested: string[] | undefined): string[] {
  const registered = scopesOf(client).filter((scope) => !isOidcScope(scope));
  if (requested === undefined) return registered;
  const beyond = requested.filter((scope) => isOidcScope(scope) || !hasScope(registered, scope));
  if (beyond.length > 0) {
    throw new InvalidScope(`Not allowed for this client: ${beyond.join(' ')}`);
  }
  return requested;
}

import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidRequest } from '../../../common/errors/oauth-errors';
import { originOf, type RequestOrigin } from '../../../common/http/request-origin';
import { OAuthAccessTokens } from '../access-tokens/oauth-access-tokens';
import { ClientAuthentication } from '../client-authentication';
import { OAuthGrants } from '../grants/oauth-grants';
import { OAUTH_REFRESH_TOKEN_PREFIX, OAuthRefreshTokens } from '../grants/oauth-refresh-tokens';
import { OAuthAuditTrail } from '../oauth-audit-trail';
import type { OAuthClient } from '../storage/oauth-client.entity';
import { tokenParameters } from '../token/token-parameters';

const NOT_THIS_CLIENTS = 'The token was not issued to this client';

/**
 * POST /oauth/revoke (RFC 7009): a client revokes one of its tokens. An unknown, expired or
 * malformed token is not an error (section 2.2: the client cannot do anything about it); a
 * token issued to another client is refused, as section 2.1 asks. Takes effect on every instance
 * before the answer (the cache invalidation bus).
 *
 * An access token is revoked alone (the grant and its other tokens stay). A refresh token ends
 * its whole grant, as section 2.1 suggests ("the authorization server SHOULD also invalidate all
 * access tokens based on the same authorization grant"): its refresh tokens, its access tokens
 * and the consent itself, so the application asks the user again. Tessera keeps no grant without
 * tokens: "sign out of this app" and "forget this app" are the same act.
 */
@Injectable()
export class Revocation {
  constructor(
    private readonly clientAuthentication: ClientAuthentication,
    private readonly tokens: OAuthAccessTokens,
    private readonly refreshTokens: OAuthRefreshTokens,
    private readonly grants: OAuthGrants,
    private readonly audit: OAuthAuditTrail,
  ) {}

  async revoke(request: FastifyRequest): Promise<void> {
    const parameters = tokenParameters(request.body, [
      'token',
      'token_type_hint',
      'client_id',
      'client_secret',
      'client_assertion',
      'client_assertion_type',
    ] as const);
    const { client } = await this.clientAuthentication.authenticate(request, parameters);
    if (parameters.token === undefined) throw new InvalidRequest('token is required');
    // Told apart by their shape, whatever token_type_hint says (it is only a hint).
    const origin = originOf(request);
    if (parameters.token.startsWith(OAUTH_REFRESH_TOKEN_PREFIX)) {
      await this.revokeRefreshToken(parameters.token, client, origin);
    } else {
      await this.revokeAccessToken(parameters.token, client, origin);
    }
  }

  private async revokeAccessToken(
    token: string,
    client: OAuthClient,
    origin: RequestOrigin,
  ): Promise<void> {
    const claims = await this.tokens.verifySignature(token);
    if (!claims) return;
    if (claims.client_id !== client.id) throw new InvalidRequest(NOT_THIS_CLIENTS);
    await this.tokens.revoke(claims);
    this.audit.tokenRevoked(client, { tokenType: 'access_token', origin, grantId: claims.gid });
  }

  private async revokeRefreshToken(
    token: string,
    client: OAuthClient,
    origin: RequestOrigin,
  ): Promise<void> {
    const stored = await this.refreshTokens.find(token);
    const grant = stored ? await this.grants.find(stored.grantId) : null;
    if (!grant) return;
    if (grant.clientId !== client.id) throw new InvalidRequest(NOT_THIS_CLIENTS);
    await this.grants.end(grant, 'refresh_token_revoked', { client, origin });
    this.audit.tokenRevoked(client, { tokenType: 'refresh_token', origin, grantId: grant.id });
  }
}

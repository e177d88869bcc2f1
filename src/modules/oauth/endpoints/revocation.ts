import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidRequest } from '../../../common/errors/oauth-errors';
import { originOf } from '../../../common/http/request-origin';
import { OAuthAccessTokens } from '../access-tokens/oauth-access-tokens';
import { ClientAuthentication } from '../client-authentication';
import { OAuthAuditTrail } from '../oauth-audit-trail';
import { tokenParameters } from '../token/token-parameters';

/**
 * POST /oauth/revoke (RFC 7009): a client revokes one of its tokens. An unknown, expired or
 * malformed token is not an error (section 2.2: the client cannot do anything about it); a
 * token issued to another client is refused, as section 2.1 asks. Takes effect on every instance
 * before the answer (the cache invalidation bus).
 */
@Injectable()
export class Revocation {
  constructor(
    private readonly clientAuthentication: ClientAuthentication,
    private readonly tokens: OAuthAccessTokens,
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
    const claims = await this.tokens.verifySignature(parameters.token);
    if (!claims) return;
    if (claims.client_id !== client.id) {
      throw new InvalidRequest('The token was not issued to this client');
    }
    await this.tokens.revoke(claims);
    this.audit.tokenRevoked(client, {
      tokenType: 'access_token',
      origin: originOf(request),
      grantId: claims.gid,
    });
  }
}

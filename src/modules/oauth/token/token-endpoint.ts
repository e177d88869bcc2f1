import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { isBasicAuthorization } from '../../../common/http/basic-credentials';
import {
  InvalidRequest,
  OAuthError,
  UnauthorizedClient,
  UnsupportedGrantType,
} from '../../../common/errors/oauth-errors';
import { originOf } from '../../../common/http/request-origin';
import { ClientAuthentication } from '../client-authentication';
import { allowsGrantType } from '../clients/oauth-client-fields';
import {
  GrantType,
  GrantTypeProvider,
  SelfAuthenticatingGrantType,
  TokenAnswer,
} from '../grants/grant-type';
import { OAuthAuditTrail } from '../oauth-audit-trail';
import { TOKEN_PARAMETERS, TokenParameters, tokenParameters } from './token-parameters';

/**
 * POST /oauth/token (RFC 6749 section 3.2): reads the parameters, authenticates the client,
 * checks it may use the grant type, and hands over to that grant (found at boot, one file each).
 * A grant that authenticates by itself (an assertion) gets the request without client
 * authentication, and audits its own refusals. Refusals of a known client are audited; nothing
 * the client sent is echoed back.
 */
@Injectable()
export class TokenEndpoint implements OnApplicationBootstrap {
  private readonly grants = new Map<string, GrantType | SelfAuthenticatingGrantType>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly clientAuthentication: ClientAuthentication,
    private readonly audit: OAuthAuditTrail,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: GrantTypeProvider.KEY })) {
      const grant = wrapper.instance as GrantType | SelfAuthenticatingGrantType | undefined;
      if (grant) this.grants.set(grant.grantType, grant);
    }
  }

  /** The grant types this server answers, for discovery. */
  grantTypes(): string[] {
    return [...this.grants.keys()];
  }

  async token(request: FastifyRequest): Promise<TokenAnswer> {
    const parameters = tokenParameters(request.body, TOKEN_PARAMETERS);
    const origin = originOf(request);
    if (parameters.grant_type === undefined) throw new InvalidRequest('grant_type is required');
    const grant = this.grants.get(parameters.grant_type);
    // Unsupported grants (implicit's "token", "password") are refused before a secret is checked.
    if (!grant) throw new UnsupportedGrantType();
    if ('authenticatesItself' in grant) {
      refuseClientCredentials(request, parameters);
      return grant.handler({ parameters, origin, request });
    }
    const client = await this.clientAuthentication.authenticate(request, parameters);
    try {
      if (!allowsGrantType(client.client, grant.grantType)) {
        throw new UnauthorizedClient(`This client may not use ${grant.grantType}`);
      }
      return await grant.handler({ client, parameters, origin, request });
    } catch (error) {
      if (error instanceof OAuthError) {
        this.audit.tokenRefused(client.client, {
          grantType: grant.grantType,
          error: error.error,
          origin,
        });
      }
      throw error;
    }
  }
}

/**
 * A grant that authenticates by its assertion takes no client credentials besides: which of two
 * would decide is ambiguous, so both are refused rather than one ignored (RFC 6749 section 2.3).
 */
function refuseClientCredentials(request: FastifyRequest, parameters: TokenParameters): void {
  const basic = isBasicAuthorization(request.headers.authorization);
  if (
    basic ||
    parameters.client_secret !== undefined ||
    parameters.client_assertion !== undefined ||
    parameters.client_assertion_type !== undefined
  ) {
    throw new InvalidRequest(
      'This grant authenticates by its assertion: send no client secret or client assertion',
    );
  }
}

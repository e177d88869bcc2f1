import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidClient } from '../../../common/errors/oauth-errors';
import { OAuthAccessTokens } from '../access-tokens/oauth-access-tokens';
import { ClientAuthentication } from '../client-authentication';
import { tokenParameters } from '../token/token-parameters';

/** RFC 7662 section 2.2's answer; `org_id` is Tessera's (the organization the token acts in). */
export interface IntrospectionAnswer {
  active: boolean;
  scope?: string;
  client_id?: string;
  token_type?: 'Bearer';
  exp?: number;
  iat?: number;
  sub?: string;
  aud?: string;
  iss?: string;
  jti?: string;
  org_id?: string;
}

const INACTIVE: IntrospectionAnswer = Object.freeze({ active: false }) as IntrospectionAnswer;

/**
 * POST /oauth/introspect (RFC 7662): a resource server, authenticated as a confidential client,
 * asks whether an access token is active. It learns about tokens of its own organization only:
 * any other token, like an unknown, expired or revoked one, is `{"active": false}`. A verified
 * token is cached (OAuthAccessTokens), so a resource server asking per request costs little.
 */
@Injectable()
export class Introspection {
  constructor(
    private readonly clientAuthentication: ClientAuthentication,
    private readonly tokens: OAuthAccessTokens,
  ) {}

  async introspect(request: FastifyRequest): Promise<IntrospectionAnswer> {
    const parameters = tokenParameters(request.body, [
      'token',
      'token_type_hint',
      'client_id',
      'client_secret',
      'client_assertion',
      'client_assertion_type',
    ] as const);
    const { client, method } = await this.clientAuthentication.authenticate(request, parameters);
    if (method === 'none') {
      throw new InvalidClient('Introspection needs a confidential client');
    }
    if (parameters.token === undefined) return INACTIVE;
    const valid =
      this.tokens.cached(parameters.token) ?? (await this.tokens.validate(parameters.token));
    if (!valid || valid.claims.org_id !== client.organizationId) return INACTIVE;
    const { claims } = valid;
    return {
      active: true,
      scope: valid.scopes.join(' '),
      client_id: claims.client_id,
      token_type: 'Bearer',
      exp: claims.exp,
      iat: claims.iat,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      jti: claims.jti,
      org_id: claims.org_id,
    };
  }
}

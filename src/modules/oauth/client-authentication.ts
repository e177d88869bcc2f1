import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { BasicCredentials, basicCredentialsOf } from '../../common/http/basic-credentials';
import { Clock } from '../../common/time/clock';
import { InvalidClient, InvalidRequest } from '../../common/errors/oauth-errors';
import { ClientSecrets } from './clients/client-secrets';
import { OAuthClientsCache } from './clients/oauth-clients.cache';
import type { OAuthClient } from './storage/oauth-client.entity';

/** How a client proved who it is at the token, revocation or introspection endpoint. */
export type ClientAuthenticationMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export const CLIENT_AUTHENTICATION_METHODS: readonly ClientAuthenticationMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'none',
];

export interface AuthenticatedClient {
  client: OAuthClient;
  method: ClientAuthenticationMethod;
}

/** The body parameters client authentication reads (RFC 6749 section 2.3.1). */
export interface ClientCredentialParameters {
  client_id?: string;
  client_secret?: string;
  client_assertion?: string;
  client_assertion_type?: string;
}

const UNKNOWN_OR_WRONG = 'Client authentication failed';

/**
 * Client authentication (RFC 6749 section 2.3): `client_secret_basic`, `client_secret_post`, or
 * `none` for a public client (which the authorization code grant then holds to PKCE). Exactly
 * one method per request; an unknown client and a wrong secret get the same answer, and the
 * secret is compared in constant time (ClientSecrets).
 */
@Injectable()
export class ClientAuthentication {
  constructor(
    private readonly clients: OAuthClientsCache,
    private readonly secrets: ClientSecrets,
    private readonly clock: Clock,
  ) {}

  async authenticate(
    request: FastifyRequest,
    parameters: ClientCredentialParameters,
  ): Promise<AuthenticatedClient> {
    const basic = basicCredentials(request.headers.authorization);
    if (
      parameters.client_assertion !== undefined ||
      parameters.client_assertion_type !== undefined
    ) {
      throw new InvalidClient('client assertions (private_key_jwt) are not supported', {
        viaAuthorizationHeader: basic !== null,
      });
    }
    if (basic) {
      if (parameters.client_secret !== undefined) {
        throw new InvalidRequest('Use one client authentication method, not several');
      }
      if (parameters.client_id !== undefined && parameters.client_id !== basic.clientId) {
        throw new InvalidRequest('client_id does not match the Authorization header');
      }
      const client = await this.withSecret(basic.clientId, basic.secret, true);
      return { client, method: 'client_secret_basic' };
    }
    if (parameters.client_id === undefined) {
      throw new InvalidClient('Client authentication is required: client_id is missing');
    }
    if (parameters.client_secret !== undefined) {
      const client = await this.withSecret(parameters.client_id, parameters.client_secret, false);
      return { client, method: 'client_secret_post' };
    }
    const client = await this.clients.find(parameters.client_id);
    if (!client || client.clientType !== 'public') throw new InvalidClient(UNKNOWN_OR_WRONG);
    return { client, method: 'none' };
  }

  private async withSecret(
    clientId: string,
    secret: string,
    viaAuthorizationHeader: boolean,
  ): Promise<OAuthClient> {
    const client = await this.clients.find(clientId);
    if (
      !client ||
      client.clientType !== 'confidential' ||
      !this.secrets.accepts(client, secret, this.clock.now())
    ) {
      throw new InvalidClient(UNKNOWN_OR_WRONG, { viaAuthorizationHeader });
    }
    return client;
  }
}

/** The Basic credentials, if any; a malformed header is an invalid_client with a Basic challenge. */
function basicCredentials(authorization: string | undefined): BasicCredentials | null {
  const credentials = basicCredentialsOf(authorization);
  if (credentials === 'malformed') {
    throw new InvalidClient('Malformed Basic credentials', { viaAuthorizationHeader: true });
  }
  return credentials;
}

import { DiscoveryService } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { RequestOrigin } from '../../../common/http/request-origin';
import type { AuthenticatedClient } from '../client-authentication';
import type { TokenParameters } from '../token/token-parameters';

/** What every grant gets: the authenticated client and the request's parameters. */
export interface TokenRequest {
  client: AuthenticatedClient;
  parameters: TokenParameters;
  origin: RequestOrigin;
  request: FastifyRequest;
}

/** The token endpoint's answer (RFC 6749 section 5.1, OIDC Core section 3.1.3.3). */
export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

/**
 * One grant type of the token endpoint, in the shape of node-oidc-provider's
 * lib/actions/grants/*: the `grant_type` it answers, the parameters it reads, and its handler.
 * Each lives in its own file (grants/<grant>.grant.ts, or the module that owns the credential,
 * as service accounts' JWT bearer grant) and is found at boot by `@GrantTypeProvider()`.
 */
export interface GrantType {
  readonly grantType: string;
  /** The parameters it reads beyond grant_type and client authentication (for discovery/docs). */
  readonly parameters: readonly string[];
  handler(request: TokenRequest): Promise<TokenAnswer>;
}

/** What a grant that authenticates by itself gets: no client, the request's parameters. */
export type AssertionTokenRequest = Omit<TokenRequest, 'client'>;

/**
 * A grant whose request authenticates itself, by a signed assertion (the JWT bearer grant of
 * service accounts; RFC 7523 section 3: client authentication is optional there). The token
 * endpoint runs no client authentication for it and refuses client credentials sent along
 * (`client_id` alone reaches the grant, which may compare it with the assertion's issuer).
 */
export interface SelfAuthenticatingGrantType {
  readonly grantType: string;
  readonly parameters: readonly string[];
  readonly authenticatesItself: true;
  handler(request: AssertionTokenRequest): Promise<TokenAnswer>;
}

export const GrantTypeProvider = DiscoveryService.createDecorator<Record<string, never>>();

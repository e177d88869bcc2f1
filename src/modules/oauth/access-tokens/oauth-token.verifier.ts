import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { requestedOrganizationId } from '../../../common/auth/credential';
import {
  CredentialVerifier,
  CredentialVerifierProvider,
} from '../../../common/auth/credential-verifier';
import { looksLikeJwt, protectedHeaderText } from '../../../common/auth/jwt-shape';
import type { OAuthClientPrincipal, UserPrincipal } from '../../../common/auth/principal';
import { ForbiddenError, INVALID_CREDENTIAL } from '../../../common/errors/api-errors';
import { OAUTH_ACCESS_TOKEN_TYPE_MEMBER } from '../../tokens/access-tokens.service';
import { DelegatedPrincipals } from './delegated-principals';
import { OAuthAccessTokens, ValidOAuthToken } from './oauth-access-tokens';

/** A client acting for itself, or a user acting through the client (DelegatedPrincipals). */
type OAuthPrincipal = OAuthClientPrincipal | UserPrincipal;

/**
 * OAuth access tokens (RFC 9068, `typ: at+jwt` in the header) on every /v1 route. A client's own
 * token (client_credentials) acts as the client in its organization with the token's scopes,
 * narrowed to what the client is registered for now. A token a user delegated to the client
 * (`gid`) acts as that user, in the grant's organization only (DelegatedPrincipals). Synchronous
 * when the token (and, for a user, the role) is cached.
 *
 * `principalType` is the client's: the access guard asks the verifier of a principal's type for
 * it in another organization, and neither kind acts in another (a user's is refused by the user
 * token verifier, which answers for users).
 */
@Injectable()
@CredentialVerifierProvider({ order: 15 })
export class OAuthTokenVerifier implements CredentialVerifier<OAuthPrincipal> {
  readonly principalType = 'oauth_client';

  constructor(
    private readonly tokens: OAuthAccessTokens,
    private readonly delegated: DelegatedPrincipals,
  ) {}

  recognizes(credential: string): boolean {
    if (!looksLikeJwt(credential)) return false;
    if (this.tokens.cached(credential)) return true;
    return protectedHeaderText(credential).includes(OAUTH_ACCESS_TOKEN_TYPE_MEMBER);
  }

  verify(token: string, request: FastifyRequest): OAuthPrincipal | Promise<OAuthPrincipal> {
    const cached = this.tokens.cached(token);
    if (cached) return this.principal(cached, request);
    return this.tokens.validate(token).then((valid) => {
      if (!valid) throw INVALID_CREDENTIAL;
      return this.principal(valid, request);
    });
  }

  /** A client acts in the organization that registered it, a user's grant in its own: nowhere else. */
  inOrganization(): Promise<OAuthPrincipal | null> {
    return Promise.resolve(null);
  }

  private principal(
    valid: ValidOAuthToken,
    request: FastifyRequest,
  ): OAuthPrincipal | Promise<OAuthPrincipal> {
    if (valid.claims.gid !== undefined) return this.delegated.principal(valid, request);
    return clientPrincipal(valid, request);
  }
}

function clientPrincipal(valid: ValidOAuthToken, request: FastifyRequest): OAuthClientPrincipal {
  const { claims } = valid;
  const requested = requestedOrganizationId(request);
  if (requested !== null && requested !== claims.org_id) {
    throw new ForbiddenError(
      'X-Organization-ID does not match the client’s organization',
      'organization_mismatch',
    );
  }
  return {
    type: 'oauth_client',
    subject: claims.client_id,
    organizationId: claims.org_id,
    scopes: valid.scopes,
    expiresAt: new Date(claims.exp * 1000),
    rateLimitPerHour: null,
    tokenId: claims.jti,
  };
}

import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { requestedOrganizationId } from '../../../common/auth/credential';
import {
  CredentialVerifier,
  CredentialVerifierProvider,
} from '../../../common/auth/credential-verifier';
import { looksLikeJwt, protectedHeaderText } from '../../../common/auth/jwt-shape';
import type { ServiceAccountPrincipal } from '../../../common/auth/principal';
import { ForbiddenError, UnauthorizedError } from '../../../common/errors/api-errors';
import { OAUTH_ACCESS_TOKEN_TYPE_MEMBER } from '../../tokens/access-tokens.service';
import { SERVICE_ACCOUNT_ID_PREFIX } from '../service-account-ids';
import { ServiceAccountTokens, ValidServiceAccountToken } from './service-account-tokens';

/** How the token's payload names a service account as its client (the claim jose writes first). */
const CLIENT_MEMBER = `"client_id":"${SERVICE_ACCOUNT_ID_PREFIX}_`;

/**
 * A service account's access token (RFC 9068, from the JWT bearer grant) on every /v1 route: the
 * account in its organization with the token's scopes, narrowed to the account's current ones.
 * Asked before the OAuth clients' verifier, which would take any `at+jwt` token. Synchronous when
 * the token is cached.
 */
@Injectable()
@CredentialVerifierProvider({ order: 14 })
export class ServiceAccountTokenVerifier implements CredentialVerifier<ServiceAccountPrincipal> {
  readonly principalType = 'service_account';

  constructor(private readonly tokens: ServiceAccountTokens) {}

  /**
   * Cheap: the cache, else the header (~100 characters; every JWT of another kind stops here or
   * at its `typ`), else the start of the payload of an `at+jwt` token.
   */
  recognizes(credential: string): boolean {
    if (!looksLikeJwt(credential)) return false;
    if (this.tokens.cached(credential)) return true;
    if (!protectedHeaderText(credential).includes(OAUTH_ACCESS_TOKEN_TYPE_MEMBER)) return false;
    const dot = credential.indexOf('.');
    const payload = credential.slice(dot + 1, credential.indexOf('.', dot + 1));
    return Buffer.from(payload, 'base64url').toString('latin1').includes(CLIENT_MEMBER);
  }

  verify(
    token: string,
    request: FastifyRequest,
  ): ServiceAccountPrincipal | Promise<ServiceAccountPrincipal> {
    const cached = this.tokens.cached(token);
    if (cached) return this.principal(cached, request);
    return this.tokens.validate(token).then((valid) => {
      if (!valid) throw new UnauthorizedError();
      return this.principal(valid, request);
    });
  }

  /** An account acts in its own organization, nowhere else. */
  inOrganization(): Promise<ServiceAccountPrincipal | null> {
    return Promise.resolve(null);
  }

  private principal(
    valid: ValidServiceAccountToken,
    request: FastifyRequest,
  ): ServiceAccountPrincipal {
    const { claims } = valid;
    const requested = requestedOrganizationId(request);
    if (requested !== null && requested !== claims.org_id) {
      throw new ForbiddenError(
        'X-Organization-ID does not match the service account’s organization',
        'organization_mismatch',
      );
    }
    return {
      type: 'service_account',
      subject: claims.sub,
      organizationId: claims.org_id,
      scopes: valid.scopes,
      expiresAt: new Date(claims.exp * 1000),
      rateLimitPerHour: null,
      tokenId: claims.jti,
    };
  }
}

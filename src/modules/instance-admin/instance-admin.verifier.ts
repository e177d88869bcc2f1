import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { requestedOrganizationId } from '../../common/auth/credential';
import {
  CredentialVerifier,
  CredentialVerifierProvider,
} from '../../common/auth/credential-verifier';
import { looksLikeJwt } from '../../common/auth/jwt-shape';
import type { InstanceAdminPrincipal } from '../../common/auth/principal';
import { ADMIN_SCOPE } from '../../common/auth/scopes';
import { secretMatcher } from '../../common/crypto/secrets';
import { NotFoundError } from '../../common/errors/api-errors';
import { EnvironmentVariables } from '../../config/env.schema';
import { looksLikeApiKey } from '../api-keys/api-key-format';
import { OrganizationsService } from '../organizations/organizations.service';

/**
 * The operator's TESSERA_ADMIN_TOKEN (compared in constant time), acting in the organization
 * X-Organization-ID names. Asked last: every other kind is told apart by its shape first.
 */
@Injectable()
@CredentialVerifierProvider({ order: 1000 })
export class InstanceAdminVerifier implements CredentialVerifier<InstanceAdminPrincipal> {
  readonly principalType = 'instance_admin';
  private readonly isAdminToken: ((credential: string) => boolean) | null;

  constructor(
    private readonly organizations: OrganizationsService,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    const adminToken = config.get('TESSERA_ADMIN_TOKEN', { infer: true });
    const keyPrefix = config.get('TESSERA_KEY_PREFIX', { infer: true });
    if (adminToken && (looksLikeApiKey(adminToken, keyPrefix) || looksLikeJwt(adminToken))) {
      // Credentials are told apart by shape; an administrator token must not look like the others.
      throw new Error('TESSERA_ADMIN_TOKEN must not look like an API key or a JWT');
    }
    this.isAdminToken = adminToken ? secretMatcher(adminToken) : null;
  }

  recognizes(credential: string): boolean {
    return this.isAdminToken !== null && this.isAdminToken(credential);
  }

  verify(
    _credential: string,
    request: FastifyRequest,
  ): InstanceAdminPrincipal | Promise<InstanceAdminPrincipal> {
    const organizationId = requestedOrganizationId(request);
    if (organizationId === null) return instanceAdminPrincipal(null);
    return this.inOrganization(instanceAdminPrincipal(null), organizationId).then((there) => {
      if (!there) throw new NotFoundError('Organization not found');
      return there;
    });
  }

  /**
   * Any organization, but only one that exists: what the administrator creates there would
   * otherwise point at nothing. One look-up, on the administrator's requests only.
   */
  async inOrganization(
    _principal: InstanceAdminPrincipal,
    organizationId: string,
  ): Promise<InstanceAdminPrincipal | null> {
    return (await this.organizations.exists(organizationId))
      ? instanceAdminPrincipal(organizationId)
      : null;
  }
}

function instanceAdminPrincipal(organizationId: string | null): InstanceAdminPrincipal {
  return {
    type: 'instance_admin',
    subject: 'instance_admin',
    organizationId,
    scopes: [ADMIN_SCOPE],
    expiresAt: null,
    rateLimitPerHour: null,
  };
}

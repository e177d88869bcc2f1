import type { DomainClaimDto, SsoConnectionDto } from './dto/sso-connection.dto';
import {
  attributeMappingOf,
  certificateNotAfter,
  certificatesOf,
  domainsOf,
  groupRoleMappingOf,
  redirectUrlsOf,
  spUrlsOf,
} from './sso-connection-fields';
import type { SsoConnection, SsoConnectionDomain } from './sso-connection.entity';
import type { SsoRole } from './dto/fields';

/** The one place a connection becomes what callers see; never the SP's private key. */
export function toSsoConnectionDto(
  connection: SsoConnection,
  issuer: string,
  claims: SsoConnectionDomain[],
): SsoConnectionDto {
  const sp = spUrlsOf(issuer, connection.id);
  return {
    id: connection.id,
    name: connection.name,
    provider: connection.provider,
    organization_id: connection.organizationId,
    sp_entity_id: sp.entityId,
    acs_url: sp.acsUrl,
    sp_metadata_url: sp.metadataUrl,
    login_url: sp.loginUrl,
    idp_entity_id: connection.idpEntityId,
    idp_sso_url: connection.idpSsoUrl,
    idp_certificates: certificatesOf(connection).map((c) => ({
      pem: c.pem,
      not_after: certificateNotAfter(c.pem),
      from_metadata: c.fromMetadata,
    })),
    idp_metadata_url: connection.idpMetadataUrl,
    metadata_fetched_at: connection.metadataFetchedAt?.toISOString() ?? null,
    domains: domainsOf(connection),
    domain_claims: domainsOf(connection).flatMap((domain) => {
      const claim = claims.find((c) => c.domain === domain && c.connectionId === connection.id);
      return claim ? [toDomainClaimDto(claim)] : [];
    }),
    attribute_mapping: attributeMappingOf(connection),
    default_role: connection.defaultRole as SsoRole,
    group_role_mapping: groupRoleMappingOf(connection),
    update_role_on_login: connection.updateRoleOnLogin,
    allow_idp_initiated: connection.allowIdpInitiated,
    sign_authn_requests: connection.spSigningCertificate !== null,
    redirect_urls: redirectUrlsOf(connection),
    created_by: connection.createdBy,
    created: connection.createdAt.toISOString(),
    updated: connection.updatedAt.toISOString(),
  };
}

export const DNS_CHALLENGE_LABEL = '_tessera-challenge';
export const DNS_CHALLENGE_PREFIX = 'tessera-domain-verification=';

function toDomainClaimDto(claim: SsoConnectionDomain): DomainClaimDto {
  return {
    domain: claim.domain,
    verified: claim.verifiedAt !== null,
    verified_at: claim.verifiedAt?.toISOString() ?? null,
    verified_by: claim.verifiedBy,
    verification: {
      type: 'dns_txt',
      name: `${DNS_CHALLENGE_LABEL}.${claim.domain}`,
      value: `${DNS_CHALLENGE_PREFIX}${claim.verificationToken ?? ''}`,
    },
  };
}

import { ApiProperty } from '@nestjs/swagger';
import { SSO_PROVIDERS, SsoProvider } from '../provider-presets';
import type { AttributeMapping } from '../provider-presets';
import { SSO_ROLES, SsoRole } from './fields';

export class IdpCertificateDto {
  @ApiProperty() pem: string;
  @ApiProperty() not_after: string;
  @ApiProperty({ description: 'From the metadata URL (re-fetched), else given by hand' })
  from_metadata: boolean;
}

export class DomainVerificationDto {
  @ApiProperty({ enum: ['dns_txt'] }) type: 'dns_txt';
  @ApiProperty({ example: '_tessera-challenge.corp.example', description: 'The TXT record’s name' })
  name: string;
  @ApiProperty({ example: 'tessera-domain-verification=3q2-7wE…', description: 'Its value' })
  value: string;
}

export class DomainClaimDto {
  @ApiProperty({ example: 'corp.example' }) domain: string;
  @ApiProperty({
    description:
      'Until verified, the connection may provision new users of the domain and sign in those it provisioned, never another existing account',
  })
  verified: boolean;
  @ApiProperty({ nullable: true, type: String }) verified_at: string | null;
  @ApiProperty({ nullable: true, enum: ['dns_txt', 'operator'] })
  verified_by: 'dns_txt' | 'operator' | null;
  @ApiProperty({ type: DomainVerificationDto }) verification: DomainVerificationDto;
}

export class SsoConnectionDto {
  @ApiProperty({ example: 'sso_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: SSO_PROVIDERS }) provider: SsoProvider;
  @ApiProperty({ format: 'uuid' }) organization_id: string;
  @ApiProperty({ description: 'This SP’s entity ID: the audience of the IdP’s assertions' })
  sp_entity_id: string;
  @ApiProperty({ description: 'Assertion Consumer Service URL (HTTP-POST)' }) acs_url: string;
  @ApiProperty({ description: 'SP metadata to give the IdP' }) sp_metadata_url: string;
  @ApiProperty({ description: 'SP-initiated login for this connection' }) login_url: string;
  @ApiProperty() idp_entity_id: string;
  @ApiProperty() idp_sso_url: string;
  @ApiProperty({ type: [IdpCertificateDto] }) idp_certificates: IdpCertificateDto[];
  @ApiProperty({ nullable: true, type: String }) idp_metadata_url: string | null;
  @ApiProperty({ nullable: true, type: String }) metadata_fetched_at: string | null;
  @ApiProperty({ type: [String] }) domains: string[];
  @ApiProperty({ type: [DomainClaimDto], description: 'Each domain and its verification' })
  domain_claims: DomainClaimDto[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  attribute_mapping: AttributeMapping;
  @ApiProperty({ enum: SSO_ROLES }) default_role: SsoRole;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  group_role_mapping: Record<string, SsoRole>;
  @ApiProperty() update_role_on_login: boolean;
  @ApiProperty() allow_idp_initiated: boolean;
  @ApiProperty() sign_authn_requests: boolean;
  @ApiProperty({ type: [String] }) redirect_urls: string[];
  @ApiProperty({
    description:
      'Whose role bounds the connection (`user:<id>`, or the instance administrator): it never gives a role above theirs, and stops when they no longer manage SSO; a PATCH makes its caller the owner',
  })
  created_by: string;
  @ApiProperty() created: string;
  @ApiProperty() updated: string;
}

export class SsoConnectionListDto {
  @ApiProperty({ type: [SsoConnectionDto] }) data: SsoConnectionDto[];
  @ApiProperty() has_more: boolean;
}

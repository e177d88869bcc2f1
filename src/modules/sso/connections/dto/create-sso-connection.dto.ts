import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MinLength } from 'class-validator';
import { MaxChars } from '../../../../common/validation/max-chars';
import { SSO_PROVIDERS, SsoProvider } from '../provider-presets';
import type { AttributeMapping } from '../provider-presets';
import {
  AttributeMappingField,
  DefaultRoleField,
  DomainList,
  GroupRoleMappingField,
  MAX_CERTIFICATE_CHARS,
  MAX_METADATA_XML_CHARS,
  OptionalFlag,
  OptionalText,
  OptionalUrl,
  RedirectUrlList,
  SsoRole,
} from './fields';

/** What the IdP is: its metadata, its metadata's URL, or its entity ID, SSO URL and certificate. */
export class IdpSettingsDto {
  @OptionalText('The IdP’s SAML metadata (XML)', MAX_METADATA_XML_CHARS)
  idp_metadata_xml?: string;

  @OptionalUrl(
    'An https URL of the IdP’s metadata: fetched now and again periodically (certificate rotation)',
    'https://idp.example.com/app/metadata',
  )
  idp_metadata_url?: string;

  @OptionalText('The IdP’s entity ID (without metadata)', 1024)
  idp_entity_id?: string;

  @OptionalUrl(
    'The IdP’s SSO URL, HTTP-Redirect binding (without metadata)',
    'https://idp.example.com/sso',
  )
  idp_sso_url?: string;

  @OptionalText('The IdP’s signing certificate, PEM (without metadata)', MAX_CERTIFICATE_CHARS)
  idp_certificate?: string;
}

export class CreateSsoConnectionDto extends IdpSettingsDto {
  @ApiProperty({ example: 'Corp Okta' })
  @IsString()
  @MinLength(1)
  @MaxChars(200)
  name: string;

  @ApiProperty({ enum: SSO_PROVIDERS })
  @IsIn(SSO_PROVIDERS)
  provider: SsoProvider;

  @DomainList(true)
  domains: string[];

  @AttributeMappingField()
  attribute_mapping?: AttributeMapping;

  @DefaultRoleField()
  default_role?: SsoRole;

  @GroupRoleMappingField()
  group_role_mapping?: Record<string, SsoRole>;

  @OptionalFlag(
    'Set the role from the mapping at every login, not only at provisioning (default false)',
  )
  update_role_on_login?: boolean;

  @OptionalFlag('Accept responses the IdP sends unasked (IdP-initiated login; default false)')
  allow_idp_initiated?: boolean;

  @OptionalFlag('Sign AuthnRequests with a key made for this connection (default false)')
  sign_authn_requests?: boolean;

  @RedirectUrlList()
  redirect_urls?: string[];
}

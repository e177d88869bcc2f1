import { MaxChars } from '../../../../common/validation/max-chars';
import { Omittable } from '../../../../common/validation/omittable';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MinLength } from 'class-validator';
import type { AttributeMapping } from '../provider-presets';
import { IdpSettingsDto } from './create-sso-connection.dto';
import {
  AttributeMappingField,
  DefaultRoleField,
  DomainList,
  GroupRoleMappingField,
  OptionalFlag,
  RedirectUrlList,
  SsoRole,
} from './fields';

/**
 * A PATCH: every field optional; a list or mapping given replaces the connection's. New IdP
 * settings (metadata, its URL, or entity ID + SSO URL + certificate) replace the IdP's.
 */
export class UpdateSsoConnectionDto extends IdpSettingsDto {
  @ApiPropertyOptional()
  @Omittable()
  @IsString()
  @MinLength(1)
  @MaxChars(200)
  name?: string;

  @DomainList(false)
  domains?: string[];

  @AttributeMappingField()
  attribute_mapping?: AttributeMapping;

  @DefaultRoleField()
  default_role?: SsoRole;

  @GroupRoleMappingField()
  group_role_mapping?: Record<string, SsoRole>;

  @OptionalFlag('Set the role from the mapping at every login')
  update_role_on_login?: boolean;

  @OptionalFlag('Accept IdP-initiated responses')
  allow_idp_initiated?: boolean;

  @RedirectUrlList()
  redirect_urls?: string[];
}

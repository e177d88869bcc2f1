import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageFormDto } from '../../../oauth/pages/login/login-form.dto';
import { RETURN_TO_MAX_LENGTH } from '../../../oauth/pages/return-to';
import { ACS_BODY_LIMIT_BYTES } from '../response-shape';

/** Where to go once signed in: a path on this server (an authorization request, typically). */
export class SsoLoginQueryDto {
  @ApiPropertyOptional({ description: 'Where to go once signed in: a path on this server' })
  @IsOptional()
  @IsString()
  @MaxLength(RETURN_TO_MAX_LENGTH)
  return_to?: string;
}

export class SsoDiscoveryQueryDto extends SsoLoginQueryDto {
  @ApiPropertyOptional({ description: 'The work email whose domain names the connection' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;
}

/** The hosted page's "Sign in with SSO" form. */
export class SsoDiscoveryFormDto extends PageFormDto {
  @ApiPropertyOptional({ example: 'ada@corp.example' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;
}

/** What the IdP posts to the ACS (SAML HTTP-POST binding). */
export class AcsFormDto {
  @ApiPropertyOptional({ description: 'The SAML Response, base64' })
  @IsOptional()
  @IsString()
  @MaxLength(ACS_BODY_LIMIT_BYTES)
  SAMLResponse?: string;

  @ApiPropertyOptional({ description: 'Where the sign-in goes on (as sent with the request)' })
  @IsOptional()
  @IsString()
  @MaxLength(RETURN_TO_MAX_LENGTH)
  RelayState?: string;
}

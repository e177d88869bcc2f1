import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { MaxChars } from '../../../common/validation/max-chars';
import { Omittable } from '../../../common/validation/omittable';

const EMAIL_MESSAGE = { message: 'value is not a valid email address' };

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail({}, EMAIL_MESSAGE)
  @MaxChars(320)
  email: string;

  @ApiProperty({ minLength: 10, maxLength: 256, example: 'correct horse battery staple' })
  @IsString()
  @MinLength(10, { message: 'password must be at least 10 characters' })
  @MaxLength(256)
  password: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString()
  @MinLength(1)
  @MaxChars(200)
  full_name: string;
}

export class RegisterResponseDto {
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty() email: string;
  @ApiProperty({ format: 'uuid', description: 'The personal organization; the user is its owner' })
  organization_id: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail({}, EMAIL_MESSAGE)
  @MaxLength(320)
  email: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password: string;

  @ApiPropertyOptional({
    description: 'Six-digit TOTP code, required once MFA is enabled',
    example: '123456',
  })
  @Omittable()
  @Matches(/^\d{6}$/, { message: 'mfa_code must be six digits' })
  mfa_code?: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  refresh_token: string;
}

export class TokenResponseDto {
  @ApiProperty() access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ example: 3600 }) expires_in: number;
  @ApiProperty() refresh_token: string;
}

export class VerifyResponseDto {
  @ApiProperty() authenticated: true;
  @ApiProperty({ enum: ['api_key', 'user', 'service_account', 'oauth_client', 'instance_admin'] })
  principal_type: string;
  @ApiProperty() subject: string;
  @ApiProperty({ nullable: true, type: String }) organization_id: string | null;
  @ApiProperty({ type: [String] }) scopes: readonly string[];
  @ApiPropertyOptional({ enum: ['live', 'test', 'dev'] }) environment?: string;
  @ApiProperty({ nullable: true, type: String }) expires_at: string | null;
  @ApiPropertyOptional() role?: string;
  @ApiPropertyOptional({ description: 'For a user: the session passed MFA' }) mfa?: boolean;
  @ApiPropertyOptional({
    description: 'For a user acting through an OAuth application: the application’s client_id',
  })
  client_id?: string;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description:
      'For an API key: the usage credits left after this request (null: unlimited). A key at 0 ' +
      'gets 429 "API key has no remaining credits"',
  })
  remaining?: number | null;
}

export class TotpEnrollResponseDto {
  @ApiProperty({ description: 'Base32 secret for the authenticator app' }) secret: string;
  @ApiProperty({ description: 'otpauth:// URI (QR code content)' }) otpauth_url: string;
}

export class TotpVerifyDto {
  @ApiProperty({ example: '123456' })
  @Matches(/^\d{6}$/, { message: 'code must be six digits' })
  code: string;
}

export class TotpVerifyResponseDto {
  @ApiProperty() mfa_enabled: boolean;
}

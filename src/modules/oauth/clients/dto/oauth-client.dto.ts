import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { OAuthClientType } from '../../storage/oauth-client.entity';
import { CLIENT_GRANT_TYPES, ClientGrantType } from '../oauth-client-fields';
import { CLIENT_TYPES } from './create-oauth-client.dto';

export class OAuthClientDto {
  @ApiProperty({ example: 'client_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b' }) client_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: CLIENT_TYPES }) client_type: OAuthClientType;
  @ApiProperty({ type: [String] }) redirect_uris: string[];
  @ApiProperty({ type: [String] }) post_logout_redirect_uris: string[];
  @ApiProperty({ type: [String], enum: CLIENT_GRANT_TYPES }) grant_types: ClientGrantType[];
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty({ format: 'uuid' }) organization_id: string;
  @ApiProperty() created: string;
  @ApiProperty() updated: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'After a rotation with a grace period: until when the previous secret works',
  })
  previous_secret_expires_at: string | null;
}

export class CreatedOAuthClientDto extends OAuthClientDto {
  @ApiPropertyOptional({
    description: 'Confidential clients only. Shown once, never again: store it now.',
    example: 'tcs_…',
  })
  client_secret?: string;
}

export class RotatedClientSecretDto extends OAuthClientDto {
  @ApiProperty({ description: 'The new secret. Shown once, never again.', example: 'tcs_…' })
  client_secret: string;
}

export class OAuthClientListDto {
  @ApiProperty({ type: [OAuthClientDto] }) data: OAuthClientDto[];
  @ApiProperty() has_more: boolean;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The token endpoint's answer (RFC 6749 section 5.1), for the OpenAPI document. */
export class OAuthTokenAnswerDto {
  @ApiProperty({ example: 'eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9...' }) access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: string;
  @ApiProperty({ example: 3600, description: 'Seconds the access token lasts' })
  expires_in: number;
  @ApiProperty({ example: 'translate:read', description: 'The scopes granted, space-separated' })
  scope: string;
  @ApiPropertyOptional({ description: 'authorization_code and refresh_token grants' })
  refresh_token?: string;
  @ApiPropertyOptional({ description: 'When `openid` was granted' })
  id_token?: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** RFC 7662 section 2.2: an inactive token is `{"active": false}` and nothing else. */
export class IntrospectionAnswerDto {
  @ApiProperty() active: boolean;
  @ApiPropertyOptional({ example: 'translate:read' }) scope?: string;
  @ApiPropertyOptional({ example: 'client_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b' }) client_id?: string;
  @ApiPropertyOptional({ enum: ['Bearer', 'refresh_token'] }) token_type?: string;
  @ApiPropertyOptional({ description: 'Epoch seconds' }) exp?: number;
  @ApiPropertyOptional({ description: 'Epoch seconds' }) iat?: number;
  @ApiPropertyOptional() sub?: string;
  @ApiPropertyOptional() aud?: string;
  @ApiPropertyOptional() iss?: string;
  @ApiPropertyOptional() jti?: string;
  @ApiPropertyOptional({ format: 'uuid' }) org_id?: string;
}

/** OIDC Core section 5.3.2: `sub`, and the claims of the scopes the user granted. */
export class UserinfoAnswerDto {
  @ApiProperty() sub: string;
  @ApiPropertyOptional({ description: 'With the email scope' }) email?: string;
  @ApiPropertyOptional({ description: 'With the email scope' }) email_verified?: boolean;
  @ApiPropertyOptional({ description: 'With the profile scope' }) name?: string;
}

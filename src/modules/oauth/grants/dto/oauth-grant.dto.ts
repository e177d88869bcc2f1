import { ApiProperty } from '@nestjs/swagger';

/** An application the caller consented to, in one organization. */
export class OAuthGrantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'client_0190f3c4a1b27c3e9d5f6a7b8c9d0e1f' }) client_id: string;
  @ApiProperty() client_name: string;
  @ApiProperty({ format: 'uuid', description: 'The organization the application acts in' })
  organization_id: string;
  @ApiProperty({ type: [String], description: 'What the caller consented to' })
  scopes: string[];
  @ApiProperty({ description: 'When the caller first consented' }) created: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'The last code exchange or refresh under the grant; null if none. Not updated per ' +
      'request: the application may have used an access token since',
  })
  last_used: string | null;
}

export class OAuthGrantListDto {
  @ApiProperty({ type: [OAuthGrantDto] }) data: OAuthGrantDto[];
  @ApiProperty() has_more: boolean;
}

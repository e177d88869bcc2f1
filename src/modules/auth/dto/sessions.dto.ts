import { ApiProperty } from '@nestjs/swagger';

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'When the session signed in' }) created: string;
  @ApiProperty({
    description:
      'The last refresh of the session (its sign-in if none). Not updated per request: access ' +
      'tokens are verified from a cache, so a session can be in use up to one access-token ' +
      'lifetime past this',
  })
  last_used: string;
  @ApiProperty() expires: string;
  @ApiProperty({ nullable: true, type: String, description: 'Client address at sign-in' })
  ip: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'User agent at sign-in' })
  user_agent: string | null;
  @ApiProperty({ description: 'The session of the access token making this request' })
  current: boolean;
  @ApiProperty({ description: 'The sign-in passed MFA' }) mfa: boolean;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto] }) data: SessionDto[];
  @ApiProperty() has_more: boolean;
}

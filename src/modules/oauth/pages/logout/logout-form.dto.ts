import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export const LOGOUT_DECISIONS = ['sign_out', 'stay'] as const;
export type LogoutDecision = (typeof LOGOUT_DECISIONS)[number];

/**
 * The sign-out confirmation's form: the request's client, post-logout URI and state, checked
 * again on the post (a URI is followed only when the client registered it), and the answer.
 */
export class LogoutFormDto {
  @ApiPropertyOptional({ description: 'The CSRF token of the page the form came from' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  _csrf?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  client_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  post_logout_redirect_uri?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  state?: string;

  @ApiProperty({ enum: LOGOUT_DECISIONS, description: 'Sign out, or stay signed in' })
  @IsIn(LOGOUT_DECISIONS)
  decision: LogoutDecision;
}

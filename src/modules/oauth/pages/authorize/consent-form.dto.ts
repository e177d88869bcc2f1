import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageFormDto } from '../login/login-form.dto';

export const CONSENT_DECISIONS = ['allow', 'deny'] as const;
export type ConsentDecision = (typeof CONSENT_DECISIONS)[number];

/** The consent page's form: the sealed authorization request, the organization, the answer. */
export class ConsentFormDto extends PageFormDto {
  @ApiPropertyOptional({
    description: 'The authorization request the page showed, sealed by the server (10 minutes)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(32_768)
  authorization?: string;

  @ApiPropertyOptional({ description: 'The organization the application will act in' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  organization_id?: string;

  @ApiProperty({ enum: CONSENT_DECISIONS, description: 'Allow or Deny' })
  @IsIn(CONSENT_DECISIONS)
  decision: ConsentDecision;
}

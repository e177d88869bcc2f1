import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One match of a secret scanner, as GitHub's partner program sends it (for the OpenAPI document). */
export class ReportedTokenDto {
  @ApiProperty({ description: 'The matched text', maxLength: 1000 }) token: string;
  @ApiPropertyOptional({
    description: 'The secret type the scanner matched (default tessera_api_key)',
    maxLength: 200,
  })
  type?: string;
  @ApiPropertyOptional({ description: 'The public URL where it was found', maxLength: 2048 })
  url?: string;
  @ApiPropertyOptional({ description: 'Where it was found: commit, gist, npm…', maxLength: 100 })
  source?: string;
}

export class LeakVerdictDto {
  @ApiProperty({ description: 'The token as reported' }) token_raw: string;
  @ApiProperty({ description: 'The type as reported', example: 'tessera_api_key' })
  token_type: string;
  @ApiProperty({
    enum: ['true_positive', 'false_positive'],
    description:
      'true_positive: one of this Tessera’s keys (revoked now, flagged, or revoked before); ' +
      'false_positive: anything else, malformed, mistyped or unknown alike',
  })
  label: 'true_positive' | 'false_positive';
}

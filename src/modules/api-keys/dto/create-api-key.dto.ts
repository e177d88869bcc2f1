import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { MaxChars } from '../../../common/validation/max-chars';
import { Omittable } from '../../../common/validation/omittable';
import { KEY_ENVIRONMENTS, KeyEnvironment } from '../api-key-format';
import { DURATION_FORMAT, IsKeyLifetime, MAX_KEY_LIFETIME_DAYS } from '../expiration';
import {
  CreditRefillDto,
  IsServiceAccountIdField,
  OptionalAllowedIps,
  OptionalHourlyLimit,
  OptionalRefill,
  OptionalStringList,
  OptionalRemaining,
} from './fields';

export const ACCESS_LEVELS = ['read-only', 'write', 'admin'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export class CreateApiKeyDto {
  @ApiProperty({ example: 'translation worker' })
  @IsString()
  @MinLength(1)
  @MaxChars(200)
  name: string;

  @OptionalStringList(100, { example: ['translate:write', 'translate:read'] })
  scopes?: string[];

  @OptionalStringList(100, { description: 'Alias of scopes' })
  permissions?: string[];

  @ApiPropertyOptional({ enum: ACCESS_LEVELS, description: 'Shorthand for a set of scopes' })
  @Omittable()
  @IsIn(ACCESS_LEVELS)
  access?: AccessLevel;

  @ApiPropertyOptional({ enum: KEY_ENVIRONMENTS, default: 'live' })
  @Omittable()
  @IsIn(KEY_ENVIRONMENTS)
  environment?: KeyEnvironment;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_KEY_LIFETIME_DAYS })
  @Omittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_KEY_LIFETIME_DAYS)
  expires_in_days?: number;

  @ApiPropertyOptional({
    example: '30d',
    description: 'Duration: <n>m, <n>h, <n>d, <n>w or <n>y (a year is 365 days), at most 10 years',
  })
  @Omittable()
  @IsString()
  @Matches(DURATION_FORMAT, { message: 'expiration must look like "30d" or "12h"' })
  @IsKeyLifetime()
  expiration?: string;

  @OptionalHourlyLimit({ default: 1000 })
  rate_limit_per_hour?: number;

  @OptionalAllowedIps()
  allowed_ips?: string[];

  @OptionalRemaining(
    'Usage credits: each request the key is let through for spends one; at 0 it gets 429. ' +
      'Omitted or null: unlimited (with a refill: its amount)',
  )
  remaining?: number | null;

  @OptionalRefill('Sets remaining back to amount at the start of each UTC day or month')
  refill?: CreditRefillDto | null;

  @ApiPropertyOptional({
    example: 'sa_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b',
    description:
      'The key acts for this service account (within its scopes, for as long as it is enabled) ' +
      'and dies with it; needs service_accounts.write',
  })
  @Omittable()
  @IsServiceAccountIdField()
  service_account_id?: string;
}

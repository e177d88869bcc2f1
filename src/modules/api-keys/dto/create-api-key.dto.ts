import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { KEY_ENVIRONMENTS, KeyEnvironment } from '../api-key-format';
import { OptionalHourlyLimit, OptionalStringList } from './fields';

export const ACCESS_LEVELS = ['read-only', 'write', 'admin'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export class CreateApiKeyDto {
  @ApiProperty({ example: 'translation worker' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @OptionalStringList(100, { example: ['translate:write', 'translate:read'] })
  scopes?: string[];

  @OptionalStringList(100, { description: 'Alias of scopes' })
  permissions?: string[];

  @ApiPropertyOptional({ enum: ACCESS_LEVELS, description: 'Shorthand for a set of scopes' })
  @IsOptional()
  @IsIn(ACCESS_LEVELS)
  access?: AccessLevel;

  @ApiPropertyOptional({ enum: KEY_ENVIRONMENTS, default: 'live' })
  @IsOptional()
  @IsIn(KEY_ENVIRONMENTS)
  environment?: KeyEnvironment;

  @ApiPropertyOptional({ minimum: 1, maximum: 3650 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  expires_in_days?: number;

  @ApiPropertyOptional({ example: '30d', description: 'Duration: <n>m, <n>h, <n>d, <n>w or <n>y' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,6}[mhdwy]$/, { message: 'expiration must look like "30d" or "12h"' })
  expiration?: string;

  @OptionalHourlyLimit({ default: 1000 })
  rate_limit_per_hour?: number;

  @OptionalStringList(64, { example: ['203.0.113.0/24', '2001:db8::/32'] })
  allowed_ips?: string[];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  service_account_id?: string;
}

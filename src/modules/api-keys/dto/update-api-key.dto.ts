import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { MaxChars } from '../../../common/validation/max-chars';
import { OptionalAllowedIps, OptionalHourlyLimit, OptionalStringList } from './fields';

export class UpdateApiKeyDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxChars(200)
  name?: string;

  @OptionalAllowedIps()
  allowed_ips?: string[];

  @OptionalHourlyLimit()
  rate_limit_per_hour?: number;

  @OptionalStringList(100, { description: 'Only narrower than the current scopes' })
  scopes?: string[];
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 720, default: 24 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(720)
  grace_period_hours?: number;
}

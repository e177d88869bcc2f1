import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { MaxChars } from '../../../common/validation/max-chars';
import { Omittable } from '../../../common/validation/omittable';
import { OptionalAllowedIps, OptionalHourlyLimit, OptionalStringList } from './fields';

export class UpdateApiKeyDto {
  @ApiPropertyOptional()
  @Omittable()
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
  @Omittable()
  @IsInt()
  @Min(0)
  @Max(720)
  grace_period_hours?: number;
}

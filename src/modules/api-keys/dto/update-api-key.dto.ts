import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { MaxChars } from '../../../common/validation/max-chars';
import { Omittable } from '../../../common/validation/omittable';
import {
  CreditRefillDto,
  OptionalAllowedIps,
  OptionalHourlyLimit,
  OptionalRefill,
  OptionalRemaining,
  OptionalStringList,
} from './fields';

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

  @OptionalRemaining(
    'Sets the usage credits left, on every instance at once; null: unlimited (and no refill)',
  )
  remaining?: number | null;

  @OptionalRefill(
    'Sets or (null) stops the refill; the credits left now are kept and refilled from the next ' +
      'period (on an unlimited key: amount)',
  )
  refill?: CreditRefillDto | null;
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 720, default: 24 })
  @Omittable()
  @IsInt()
  @Min(0)
  @Max(720)
  grace_period_hours?: number;
}

import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { normalizeAllowedIp } from '../../../common/http/ip-allowlist';
import { EachEntry } from '../../../common/validation/each-entry';
import { MaxChars } from '../../../common/validation/max-chars';
import { Omittable } from '../../../common/validation/omittable';
import { isServiceAccountId } from '../../service-accounts/service-account-ids';
import { REFILL_INTERVALS, RefillInterval } from '../credits/credit-refill';

/** An optional list of strings (scopes, IP ranges): validated and documented in one place. */
export function OptionalStringList(
  maxLength: number,
  docs: { description?: string; example?: string[] } = {},
) {
  return applyDecorators(
    ApiPropertyOptional({ type: [String], ...docs }),
    Omittable(),
    IsArray(),
    ArrayMaxSize(100),
    IsString({ each: true }),
    MaxChars(maxLength, { each: true }),
  );
}

/**
 * `allowed_ips`: addresses and CIDR ranges. A bad entry is a validation error at its index
 * (`loc: ["body", "allowed_ips", 1]`), found before the service stores anything.
 */
export function OptionalAllowedIps() {
  return applyDecorators(
    OptionalStringList(64, { example: ['203.0.113.0/24', '2001:db8::/32'] }),
    EachEntry({
      name: 'isAllowedIp',
      message: 'value is not a valid IP address or CIDR range',
      check: (entry) => typeof entry === 'string' && normalizeAllowedIp(entry) !== null,
    }),
  );
}

/** `rate_limit_per_hour`: 10..100000, as the contract says. */
export function OptionalHourlyLimit(docs: { default?: number } = {}) {
  return applyDecorators(
    ApiPropertyOptional({ minimum: 10, maximum: 100000, ...docs }),
    Omittable(),
    IsInt(),
    Min(10),
    Max(100000),
  );
}

/** A service account's id, as issued (`sa_` and 32 lower-case hex digits). */
export function IsServiceAccountIdField() {
  return ValidateBy({
    name: 'isServiceAccountId',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isServiceAccountId(value),
      defaultMessage: () => 'value is not a service account id (sa_ and 32 hex digits)',
    },
  });
}

/** The most credits a balance or a refill holds: a signed 32-bit column on both databases. */
export const MAX_CREDITS = 2_147_483_647;

/** Null passes (it means "unlimited" or "no refill"); any other value must pass the rules. */
const NullOrValid = () => ValidateIf((_object, value) => value !== undefined && value !== null);

/** `remaining`: usage credits, each request the key is let through for spends one. */
export function OptionalRemaining(description: string) {
  return applyDecorators(
    ApiPropertyOptional({
      type: Number,
      nullable: true,
      minimum: 0,
      maximum: MAX_CREDITS,
      example: 1000,
      description,
    }),
    NullOrValid(),
    IsInt(),
    Min(0),
    Max(MAX_CREDITS),
  );
}

/** `refill_day` is a monthly refill's: a daily refill with one is refused, not ignored. */
function MonthlyOnly() {
  return ValidateBy({
    name: 'monthlyOnly',
    validator: {
      validate: (_value: unknown, args) =>
        (args?.object as { interval?: unknown } | undefined)?.interval === 'monthly',
      defaultMessage: () => 'refill_day applies to monthly refills only',
    },
  });
}

/** How a key's credits are refilled: set back to `amount` at the start of each UTC day or month. */
export class CreditRefillDto {
  @ApiProperty({ enum: REFILL_INTERVALS, description: 'At 00:00 UTC each day, or each month' })
  @IsIn(REFILL_INTERVALS)
  interval: RefillInterval;

  @ApiProperty({ minimum: 1, maximum: MAX_CREDITS, example: 1000 })
  @IsInt()
  @Min(1)
  @Max(MAX_CREDITS)
  amount: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 31,
    default: 1,
    description: 'Monthly only: the day of the month (the last day of a shorter month)',
  })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(31)
  @MonthlyOnly()
  refill_day?: number;
}

/** `refill`: an object, or null (PATCH) to stop refilling. */
export function OptionalRefill(description: string) {
  return applyDecorators(
    ApiPropertyOptional({ type: CreditRefillDto, nullable: true, description }),
    NullOrValid(),
    IsObject(),
    ValidateNested(),
    Type(() => CreditRefillDto),
  );
}

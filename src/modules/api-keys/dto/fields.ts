import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsString, Max, Min, ValidateBy } from 'class-validator';
import { normalizeAllowedIp } from '../../../common/http/ip-allowlist';
import { EachEntry } from '../../../common/validation/each-entry';
import { MaxChars } from '../../../common/validation/max-chars';
import { Omittable } from '../../../common/validation/omittable';
import { isServiceAccountId } from '../../service-accounts/service-account-ids';

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

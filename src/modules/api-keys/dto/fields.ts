import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

/** An optional list of strings (scopes, IP ranges): validated and documented in one place. */
export function OptionalStringList(
  maxLength: number,
  docs: { description?: string; example?: string[] } = {},
) {
  return applyDecorators(
    ApiPropertyOptional({ type: [String], ...docs }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(100),
    IsString({ each: true }),
    MaxLength(maxLength, { each: true }),
  );
}

/** `rate_limit_per_hour`: 10..100000, as the contract says. */
export function OptionalHourlyLimit(docs: { default?: number } = {}) {
  return applyDecorators(
    ApiPropertyOptional({ minimum: 10, maximum: 100000, ...docs }),
    IsOptional(),
    IsInt(),
    Min(10),
    Max(100000),
  );
}

import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsString,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { MaxChars } from '../../../common/validation/max-chars';
import { Omittable } from '../../../common/validation/omittable';
import { KEY_ALGORITHMS } from '../keys/service-account-key.entity';

/** The fields of accounts and keys, validated and documented in one place for create and update. */

/** How long a key works when its creator names no lifetime, and the longest it may (10 years). */
export const DEFAULT_KEY_LIFETIME_DAYS = 90;
export const MAX_KEY_LIFETIME_DAYS = 3650;

export const MAX_DESCRIPTION_CHARS = 1000;

export function AccountName(options: { optional: boolean }) {
  const docs = { example: 'deploy pipeline' };
  return applyDecorators(
    options.optional ? ApiPropertyOptional(docs) : ApiProperty(docs),
    ...(options.optional ? [Omittable()] : []),
    IsString(),
    MinLength(1),
    MaxChars(200),
  );
}

export function AccountDescription() {
  return applyDecorators(
    ApiPropertyOptional({ example: 'Deploys the translation service from CI', default: '' }),
    Omittable(),
    IsString(),
    MaxChars(MAX_DESCRIPTION_CHARS),
  );
}

const SCOPES_DESCRIPTION =
  'The most its access tokens and API keys may carry: scopes of the catalogue the caller holds itself.';

/** `scopes`: required on creation; in an update, narrower than the account's or left out. */
export function AccountScopes(options: { optional: boolean }) {
  const docs: ApiPropertyOptions = {
    type: [String],
    minItems: 1,
    maxItems: 100,
    description: options.optional
      ? `${SCOPES_DESCRIPTION} Only narrower than the account’s own.`
      : SCOPES_DESCRIPTION,
    example: ['translate:write', 'models:read'],
  };
  return applyDecorators(
    options.optional ? ApiPropertyOptional(docs) : ApiProperty(docs),
    ...(options.optional ? [Omittable()] : []),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(100),
    IsString({ each: true }),
    MaxChars(100, { each: true }),
  );
}

export function KeyAlgorithmField(description: string) {
  return applyDecorators(
    ApiPropertyOptional({ enum: KEY_ALGORITHMS, description }),
    Omittable(),
    IsIn(KEY_ALGORITHMS),
  );
}

export function KeyLifetimeDays() {
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      minimum: 1,
      maximum: MAX_KEY_LIFETIME_DAYS,
      default: DEFAULT_KEY_LIFETIME_DAYS,
      description: 'How long the key works',
    }),
    Omittable(),
    IsInt(),
    Min(1),
    Max(MAX_KEY_LIFETIME_DAYS),
  );
}

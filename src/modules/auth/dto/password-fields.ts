import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { Omittable } from '../../../common/validation/omittable';

/**
 * A password being set: the rules of registration's `password` (password-fields.spec.ts checks
 * they stay the same).
 */
export const NewPasswordField = () =>
  applyDecorators(
    ApiProperty({ minLength: 10, maxLength: 256, example: 'correct horse battery staple' }),
    IsString(),
    MinLength(10, { message: 'password must be at least 10 characters' }),
    MaxLength(256),
  );

/** The current password, as a re-authentication; optional after a sign-in under 5 minutes old. */
export const CurrentPasswordField = () =>
  applyDecorators(
    ApiPropertyOptional({
      description:
        'The current password. May be left out within 5 minutes of a sign-in (one that passed ' +
        'MFA when it is on); a wrong one counts toward the login failure lock',
    }),
    Omittable(),
    IsString(),
    MinLength(1),
    MaxLength(256),
  );

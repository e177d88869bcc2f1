import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { Omittable } from '../../../common/validation/omittable';
import { AccountDescription, AccountName, AccountScopes } from './fields';

/** Every field replaces the account's own; a field left out stays as it is. */
export class UpdateServiceAccountDto {
  @AccountName({ optional: true })
  name?: string;

  @AccountDescription()
  description?: string;

  @AccountScopes({ optional: true })
  scopes?: string[];

  @ApiPropertyOptional({
    description:
      'true: no assertion, access token or API key of the account is accepted until it is false again',
  })
  @Omittable()
  @IsBoolean()
  disabled?: boolean;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { MaxChars } from '../../../../common/validation/max-chars';
import { Omittable } from '../../../../common/validation/omittable';
import type { ClientGrantType } from '../oauth-client-fields';
import { GrantTypeList, OptionalScopeList, RedirectUriList } from './fields';

/** Every field replaces the client's own; a field left out stays as it is. */
export class UpdateOAuthClientDto {
  @ApiPropertyOptional()
  @Omittable()
  @IsString()
  @MinLength(1)
  @MaxChars(200)
  name?: string;

  @RedirectUriList('Replaces the redirect URIs.')
  redirect_uris?: string[];

  @RedirectUriList('Replaces the post-logout redirect URIs.')
  post_logout_redirect_uris?: string[];

  @GrantTypeList()
  grant_types?: ClientGrantType[];

  @OptionalScopeList()
  scopes?: string[];
}

/** A week: long enough to roll a secret out to every deployment of a client. */
export const MAX_SECRET_GRACE_PERIOD_SECONDS = 7 * 24 * 3600;

export class RotateClientSecretDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_SECRET_GRACE_PERIOD_SECONDS,
    default: 0,
    description: 'How long the old secret keeps working; 0 ends it at once',
  })
  @Omittable()
  @IsInt()
  @Min(0)
  @Max(MAX_SECRET_GRACE_PERIOD_SECONDS)
  grace_period_seconds?: number;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MinLength } from 'class-validator';
import { MaxChars } from '../../../../common/validation/max-chars';
import type { OAuthClientType } from '../../storage/oauth-client.entity';
import { ClientGrantType, DEFAULT_GRANT_TYPES } from '../oauth-client-fields';
import { GrantTypeList, RedirectUriList, ScopeList } from './fields';

export const CLIENT_TYPES: readonly OAuthClientType[] = ['confidential', 'public'];

export class CreateOAuthClientDto {
  @ApiProperty({ example: 'Acme dashboard' })
  @IsString()
  @MinLength(1)
  @MaxChars(200)
  name: string;

  @ApiProperty({
    enum: CLIENT_TYPES,
    description:
      'confidential: a server that keeps a secret; public: a browser or native app (PKCE, no secret)',
  })
  @IsIn(CLIENT_TYPES)
  client_type: OAuthClientType;

  @RedirectUriList('Where /oauth/authorize may send the code; at least one for authorization_code.')
  redirect_uris?: string[];

  @RedirectUriList('Where /oauth/logout may send the browser back to.')
  post_logout_redirect_uris?: string[];

  @GrantTypeList({ default: [...DEFAULT_GRANT_TYPES] })
  grant_types?: ClientGrantType[];

  @ScopeList()
  scopes: string[];
}

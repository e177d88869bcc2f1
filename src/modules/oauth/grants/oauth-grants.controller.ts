import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, Principal } from '../../../common/auth/decorators';
import type { Principal as Caller } from '../../../common/auth/principal';
import { ListQueryDto } from '../../../common/http/pagination';
import { OAuthGrantListDto } from './dto/oauth-grant.dto';
import { OAuthGrants } from './oauth-grants';

/**
 * The applications the caller consented to. Account routes: the user's own sign-in only (an API
 * key, another principal or an application acting for the user gets 403).
 */
@ApiTags('oauth')
@Controller('v1/oauth/grants')
export class OAuthGrantsController {
  constructor(private readonly grants: OAuthGrants) {}

  @Access({ errors: [422] })
  @Get()
  @ApiOperation({ summary: 'The applications the caller consented to, newest first' })
  @ApiOkResponse({ type: OAuthGrantListDto })
  list(@Principal() caller: Caller, @Query() query: ListQueryDto) {
    return this.grants.listOf(caller, query);
  }

  @Access({ errors: [404] })
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'End a grant: the application’s codes, refresh tokens and access tokens under it stop ' +
      'working, and it must ask for consent again',
  })
  @ApiNoContentResponse()
  async end(@Principal() caller: Caller, @Param('id') id: string) {
    await this.grants.endOwn(caller, id);
  }
}

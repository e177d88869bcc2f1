import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, Principal } from '../../../common/auth/decorators';
import type { Principal as Caller } from '../../../common/auth/principal';
import { ListQueryDto } from '../../../common/http/pagination';
import { SessionListDto } from '../dto/sessions.dto';
import { UserSessionsService } from './user-sessions.service';

@ApiTags('auth')
@Controller('v1/auth')
export class SessionsController {
  constructor(private readonly sessions: UserSessionsService) {}

  @Access({ errors: [422] })
  @Get('sessions')
  @ApiOperation({ summary: 'The caller’s live sessions (sign-ins), newest first' })
  @ApiOkResponse({ type: SessionListDto })
  list(@Principal() caller: Caller, @Query() query: ListQueryDto) {
    return this.sessions.list(caller, query);
  }

  @Access({ errors: [404] })
  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End one of the caller’s sessions: its refresh and access tokens stop working',
  })
  @ApiNoContentResponse()
  async end(@Principal() caller: Caller, @Param('id') id: string) {
    await this.sessions.end(caller, id);
  }

  @Access()
  @Post('logout-all')
  @HttpCode(204)
  @ApiOperation({ summary: 'End every session of the caller, this one included' })
  @ApiNoContentResponse()
  async logoutAll(@Principal() caller: Caller) {
    await this.sessions.endAll(caller);
  }
}

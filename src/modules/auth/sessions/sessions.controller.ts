import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, Principal } from '../../../common/auth/decorators';
import type { Principal as Caller } from '../../../common/auth/principal';
import { ApiErrors } from '../../../common/http/api-docs';
import { ListQueryDto } from '../../../common/http/pagination';
import { SessionListDto } from '../dto/sessions.dto';
import { UserSessionsService } from './user-sessions.service';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('v1/auth')
export class SessionsController {
  constructor(private readonly sessions: UserSessionsService) {}

  @Authenticated()
  @Get('sessions')
  @ApiOperation({ summary: 'The caller’s live sessions (sign-ins), newest first' })
  @ApiOkResponse({ type: SessionListDto })
  @ApiErrors(401, 403, 422)
  list(@Principal() caller: Caller, @Query() query: ListQueryDto) {
    return this.sessions.list(caller, query);
  }

  @Authenticated()
  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End one of the caller’s sessions: its refresh and access tokens stop working',
  })
  @ApiNoContentResponse()
  @ApiErrors(401, 403, 404)
  async end(@Principal() caller: Caller, @Param('id') id: string) {
    await this.sessions.end(caller, id);
  }

  @Authenticated()
  @Post('logout-all')
  @HttpCode(204)
  @ApiOperation({ summary: 'End every session of the caller, this one included' })
  @ApiNoContentResponse()
  @ApiErrors(401, 403)
  async logoutAll(@Principal() caller: Caller) {
    await this.sessions.endAll(caller);
  }
}

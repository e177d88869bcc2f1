import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../../../common/auth/decorators';
import { Page, PageForm } from '../../../../common/http/page-routes';
import { LogoutFormDto } from './logout-form.dto';
import { RpInitiatedLogout } from './rp-initiated-logout';

const HTML = { 'text/html': { schema: { type: 'string' } } };

@ApiTags('hosted pages')
@Controller('oauth/logout')
export class LogoutController {
  constructor(private readonly logout: RpInitiatedLogout) {}

  @Public()
  @Page()
  @Get()
  @ApiOperation({
    summary: 'RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0)',
    description:
      'With an `id_token_hint` for the signed-in user the browser session ends at once; ' +
      'otherwise a confirmation form asks first. The browser goes back to ' +
      '`post_logout_redirect_uri` (with `state`) only when the client registered it exactly; ' +
      'otherwise it gets the "signed out" page.',
  })
  @ApiQuery({ name: 'id_token_hint', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'client_id', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'post_logout_redirect_uri', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'state', required: false, schema: { type: 'string' } })
  @ApiResponse({ status: 303, description: 'Signed out, to the registered post-logout URI' })
  @ApiOkResponse({ description: 'The "signed out" page, or the confirmation', content: HTML })
  async request(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.logout.request(request, reply);
  }

  @Public()
  @PageForm()
  @Post()
  @ApiOperation({ summary: 'The sign-out confirmation’s answer' })
  @ApiResponse({ status: 303, description: 'To the registered post-logout URI' })
  @ApiOkResponse({ description: 'The "signed out" (or "still signed in") page', content: HTML })
  async decide(
    @Body() form: LogoutFormDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.logout.decide(request, reply, form);
  }
}

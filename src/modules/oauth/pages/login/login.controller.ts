import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../../../common/auth/decorators';
import { Page, PageForm } from '../../../../common/http/page-routes';
import { CodeFormDto, LoginPageQueryDto, PasswordFormDto } from './login-form.dto';
import { LoginPage } from './login-page.service';

/** A page: HTML, its errors too (the form again with what was wrong, or the error page). */
const HTML = { 'text/html': { schema: { type: 'string' } } };
const SIGNED_IN = {
  303: 'Signed in: the browser session cookie is set, on to `return_to`',
  200: 'The next step, the form again with what was wrong, or the "signed in" page',
};

@ApiTags('hosted pages')
@Controller('oauth/login')
export class LoginController {
  constructor(private readonly login: LoginPage) {}

  @Public()
  @Page()
  @Get()
  @ApiOperation({ summary: 'The hosted login page (HTML): email and password' })
  @ApiOkResponse({ description: 'The login form', content: HTML })
  async show(
    @Query() query: LoginPageQueryDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.login.show(request, reply, query.return_to);
  }

  @Public()
  @PageForm()
  @Post()
  @ApiOperation({
    summary: 'The login form’s post: the password, then the code step for a user with TOTP',
  })
  @ApiResponse({ status: 303, description: SIGNED_IN[303] })
  @ApiOkResponse({ description: SIGNED_IN[200], content: HTML })
  async submitPassword(
    @Body() form: PasswordFormDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.login.submitPassword(request, reply, form);
  }

  @Public()
  @PageForm()
  @Post('totp')
  @ApiOperation({ summary: 'The code step’s post: the six-digit TOTP code' })
  @ApiResponse({ status: 303, description: SIGNED_IN[303] })
  @ApiOkResponse({ description: SIGNED_IN[200], content: HTML })
  async submitCode(
    @Body() form: CodeFormDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.login.submitCode(request, reply, form);
  }
}

import { Body, Controller, Get, Header, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/decorators';
import { AcceptsForm, BodyLimit } from '../../../common/http/form-body';
import { Page, PageForm } from '../../../common/http/page-routes';
import { SsoConnectionIdParam } from '../connections/sso-connection-id';
import {
  AcsFormDto,
  SsoDiscoveryFormDto,
  SsoDiscoveryQueryDto,
  SsoLoginQueryDto,
} from './dto/sso-forms.dto';
import { ACS_BODY_LIMIT_BYTES } from './response-shape';
import { SpMetadata } from './sp-metadata';
import { SsoSignIn } from './sso-sign-in';

const HTML = { 'text/html': { schema: { type: 'string' } } };
const TO_IDP = {
  status: 302,
  description: 'To the IdP with an AuthnRequest (HTTP-Redirect binding)',
};

/** The SAML SP endpoints: public, as the browser and the IdP reach them without a credential. */
@ApiTags('sso')
@Controller('sso')
export class SsoController {
  constructor(
    private readonly signIn: SsoSignIn,
    private readonly metadata: SpMetadata,
  ) {}

  @Public()
  @Page()
  @Get('login')
  @ApiOperation({ summary: 'SP-initiated login by email domain; without email, the form (HTML)' })
  @ApiResponse(TO_IDP)
  @ApiOkResponse({ description: 'The "Sign in with SSO" form, or what was wrong', content: HTML })
  async discover(
    @Query() query: SsoDiscoveryQueryDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.signIn.discover(request, reply, query.email, query.return_to);
  }

  @Public()
  @PageForm()
  @Post('login')
  @ApiOperation({ summary: 'The hosted login page’s "Sign in with SSO" form (HTML)' })
  @ApiOkResponse({
    description: 'On to the IdP, or the form again with what was wrong',
    content: HTML,
  })
  async submitDiscovery(
    @Body() form: SsoDiscoveryFormDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.signIn.continueFromForm(request, reply, form.email, form.return_to);
  }

  @Public()
  @Get(':id/metadata')
  @Header('content-type', 'application/samlmetadata+xml; charset=utf-8')
  @ApiProduces('application/samlmetadata+xml')
  @ApiOperation({ summary: 'SP metadata of a connection, for its IdP' })
  @ApiOkResponse({ description: 'SAML 2.0 metadata (XML)' })
  spMetadata(@Param('id', SsoConnectionIdParam) id: string): Promise<string> {
    return this.metadata.of(id);
  }

  @Public()
  @Page()
  @Get(':id/login')
  @ApiOperation({ summary: 'SP-initiated login through this connection' })
  @ApiResponse(TO_IDP)
  async login(
    @Param('id') id: string,
    @Query() query: SsoLoginQueryDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.signIn.login(request, reply, id, query.return_to);
  }

  @Public()
  @Page()
  @AcceptsForm()
  @BodyLimit(ACS_BODY_LIMIT_BYTES)
  @Post(':id/acs')
  @ApiOperation({
    summary: 'Assertion Consumer Service (HTTP-POST): the IdP’s SAMLResponse and RelayState',
  })
  @ApiResponse({ status: 303, description: 'Signed in: on to the RelayState' })
  @ApiOkResponse({ description: 'Signed in (no RelayState)', content: HTML })
  async acs(
    @Param('id') id: string,
    @Body() form: AcsFormDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.signIn.consume(request, reply, id, form);
  }
}

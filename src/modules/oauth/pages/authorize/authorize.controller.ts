import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../../../common/auth/decorators';
import { Page, PageForm } from '../../../../common/http/page-routes';
import { AuthorizationEndpoint } from './authorization-endpoint';
import { ConsentFormDto } from './consent-form.dto';

const HTML = { 'text/html': { schema: { type: 'string' } } };

/** The query of an authorization request (OIDC Core section 3.1.2.1); others are ignored. */
const AUTHORIZATION_QUERY: { name: string; description: string; required?: boolean }[] = [
  { name: 'client_id', description: 'The registered client', required: true },
  {
    name: 'redirect_uri',
    description: 'One of the client’s redirect URIs, exactly',
    required: true,
  },
  { name: 'response_type', description: '`code` (the only one)', required: true },
  { name: 'scope', description: 'Space-separated, within the client’s', required: true },
  { name: 'state', description: 'Sent back as is' },
  { name: 'nonce', description: 'Put in the ID token (at most 512 characters)' },
  { name: 'code_challenge', description: 'PKCE S256 challenge (required for public clients)' },
  { name: 'code_challenge_method', description: '`S256` (`plain` is refused)' },
  { name: 'prompt', description: '`none`, `login`, `consent`' },
  { name: 'max_age', description: 'Seconds: an older sign-in is asked again' },
  { name: 'response_mode', description: '`query` (the only one)' },
];

@ApiTags('hosted pages')
@Controller('oauth/authorize')
export class AuthorizeController {
  constructor(private readonly endpoint: AuthorizationEndpoint) {}

  @Public()
  @Page()
  @Get()
  @ApiOperation({
    summary: 'OAuth 2.0 / OpenID Connect authorization endpoint (authorization code + PKCE)',
    description:
      'An unknown client or a redirect URI the client did not register (compared exactly) is ' +
      'answered with an HTML error page, never a redirect. Other errors redirect to the ' +
      'redirect URI with `error`, `error_description`, `state` and `iss`. Without a browser ' +
      'session: 303 to the login page; then the consent page, unless a remembered consent or a ' +
      'first-party client skips it; then 302 to `redirect_uri?code=…&state=…&iss=…`.',
  })
  @AuthorizationQuery()
  @ApiResponse({ status: 302, description: 'To the redirect URI: a code, or an error' })
  @ApiResponse({ status: 303, description: 'To the login page, back here once signed in' })
  @ApiOkResponse({ description: 'The consent page', content: HTML })
  async authorize(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.endpoint.authorize(request, reply);
  }

  @Public()
  @PageForm()
  @Post('consent')
  @ApiOperation({ summary: 'The consent page’s answer: Allow (a code) or Deny (access_denied)' })
  @ApiResponse({ status: 303, description: 'To the redirect URI: a code, or access_denied' })
  @ApiOkResponse({ description: 'An error page (the form expired, say)', content: HTML })
  async decide(
    @Body() form: ConsentFormDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.endpoint.decide(request, reply, form);
  }
}

/** The query parameters, documented (the endpoint reads them itself, ignoring unknown ones). */
function AuthorizationQuery(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const parameter of AUTHORIZATION_QUERY) {
      ApiQuery({
        name: parameter.name,
        description: parameter.description,
        required: parameter.required ?? false,
        schema: { type: 'string' },
      })(target, key, descriptor);
    }
  };
}

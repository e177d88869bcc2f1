import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/decorators';
import { DirectRoute } from '../../../common/http/direct-routes';
import { AcceptsForm } from '../../../common/http/form-body';
import { RateLimitTracker } from '../../rate-limits/rate-limit-tracker.decorator';
import { oauthClientIdOf } from '../../rate-limits/oauth-client-id';
import type { TokenAnswer } from '../grants/grant-type';
import { OAuthTokenAnswerDto } from './token-answer.dto';
import { TokenEndpoint } from './token-endpoint';
import { TOKEN_PARAMETERS } from './token-parameters';

@ApiTags('oauth')
@Controller('oauth')
export class TokenController {
  constructor(private readonly endpoint: TokenEndpoint) {}

  @Public({ errors: [400, 401, 429] })
  @RateLimitTracker('oauth_client', oauthClientIdOf)
  @DirectRoute()
  @AcceptsForm()
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({
    summary: 'OAuth 2.0 token endpoint (RFC 6749 section 3.2)',
    description:
      'Grants: client_credentials (and the others this server lists in its discovery document). ' +
      'Client authentication: client_secret_basic, client_secret_post, or none for public clients. ' +
      'Errors are RFC 6749 `{"error", "error_description"}`.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      properties: Object.fromEntries(TOKEN_PARAMETERS.map((name) => [name, { type: 'string' }])),
      required: ['grant_type'],
    },
  })
  @ApiOkResponse({ type: OAuthTokenAnswerDto })
  token(@Req() request: FastifyRequest): Promise<TokenAnswer> {
    return this.endpoint.token(request);
  }
}

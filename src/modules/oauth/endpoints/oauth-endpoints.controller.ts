import { Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiBodyOptions, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Access, Principal, Public } from '../../../common/auth/decorators';
import type { Principal as Caller } from '../../../common/auth/principal';
import { DirectRoute } from '../../../common/http/direct-routes';
import { AcceptsForm } from '../../../common/http/form-body';
import { oauthClientIdOf } from '../../rate-limits/oauth-client-id';
import { RateLimitTracker } from '../../rate-limits/rate-limit-tracker.decorator';
import { Discovery } from './discovery';
import { IntrospectionAnswerDto, UserinfoAnswerDto } from './endpoint-answers.dto';
import { Introspection, IntrospectionAnswer } from './introspection';
import { Revocation } from './revocation';
import { Userinfo, UserinfoAnswer } from './userinfo';

const TOKEN_BODY: ApiBodyOptions = {
  schema: {
    type: 'object',
    properties: {
      token: { type: 'string' },
      token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] },
      client_id: { type: 'string' },
      client_secret: { type: 'string' },
    },
    required: ['token'],
  },
};

/** Introspection, revocation, userinfo and discovery: thin routes over one service each. */
@ApiTags('oauth')
@Controller()
export class OAuthEndpointsController {
  constructor(
    private readonly introspection: Introspection,
    private readonly revocation: Revocation,
    private readonly discovery: Discovery,
    private readonly userinfo: Userinfo,
  ) {}

  @Public({ errors: [400, 401, 429] })
  @RateLimitTracker('oauth_client', oauthClientIdOf)
  @DirectRoute()
  @AcceptsForm()
  @Post('oauth/introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Token introspection (RFC 7662), for confidential clients' })
  @ApiBody(TOKEN_BODY)
  @ApiOkResponse({ type: IntrospectionAnswerDto })
  introspect(@Req() request: FastifyRequest): Promise<IntrospectionAnswer> {
    return this.introspection.introspect(request);
  }

  @Public({ errors: [400, 401, 429] })
  @RateLimitTracker('oauth_client', oauthClientIdOf)
  @AcceptsForm()
  @Post('oauth/revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Token revocation (RFC 7009)' })
  @ApiBody(TOKEN_BODY)
  @ApiOkResponse({ description: 'Empty: the token no longer works (or never did)' })
  async revoke(@Req() request: FastifyRequest): Promise<void> {
    await this.revocation.revoke(request);
  }

  @Access()
  @Get('oauth/userinfo')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'OpenID Connect userinfo: the user a delegated access token (with openid) acts for',
    description:
      '`sub`, plus `email` and `email_verified` with the email scope and `name` with profile. ' +
      'Errors are RFC 6750 (`invalid_token` 401, `insufficient_scope` 403, with WWW-Authenticate).',
  })
  @ApiOkResponse({ type: UserinfoAnswerDto })
  userinfoByGet(@Principal() caller: Caller): Promise<UserinfoAnswer> {
    return this.userinfo.claimsOf(caller);
  }

  @Access()
  @AcceptsForm()
  @Post('oauth/userinfo')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'OpenID Connect userinfo, as GET (the token in the Authorization header)',
  })
  @ApiOkResponse({ type: UserinfoAnswerDto })
  userinfoByPost(@Principal() caller: Caller): Promise<UserinfoAnswer> {
    return this.userinfo.claimsOf(caller);
  }

  @Public({ skipRateLimit: true })
  @Get('.well-known/oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Authorization server metadata (RFC 8414)' })
  authorizationServerMetadata(): Record<string, unknown> {
    return this.discovery.metadata();
  }

  @Public({ skipRateLimit: true })
  @Get('.well-known/openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'OpenID Connect discovery' })
  openidConfiguration(): Record<string, unknown> {
    return this.discovery.metadata();
  }
}

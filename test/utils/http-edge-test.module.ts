import { Body, Controller, Get, HttpCode, Module, Param, Post, Req } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { Access, Public } from '../../src/common/auth/decorators';
import {
  ConflictError,
  NotFoundError,
  TooManyRequestsError,
} from '../../src/common/errors/api-errors';
import {
  InvalidClient,
  InvalidGrant,
  SlowDown,
  UnsupportedGrantType,
} from '../../src/common/errors/oauth-errors';
import { AcceptsForm } from '../../src/common/http/form-body';
import { oauthClientIdOf } from '../../src/modules/rate-limits/oauth-client-id';
import { RateLimitTracker } from '../../src/modules/rate-limits/rate-limit-tracker.decorator';

/** A token request as the real endpoint will take it (a few of RFC 6749's parameters). */
class TokenRequestDto {
  @IsString()
  @MaxLength(64)
  grant_type!: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  client_id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  client_secret?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  scope?: string;
}

class NameDto {
  @IsString()
  name!: string;
}

/** The secret the test token route takes; anything else is a failed client authentication. */
export const TEST_CLIENT_SECRET = 'test-client-secret';

function failAs(kind: string): never {
  switch (kind) {
    case 'slow-down':
      throw new SlowDown();
    case 'not-found':
      throw new NotFoundError('Client not found');
    case 'conflict':
      throw new ConflictError('Already consented', 'already_consented');
    case 'rate-limited':
      throw new TooManyRequestsError(30);
    case 'database-down':
      throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:3306'), {
        code: 'ECONNREFUSED',
      });
    default:
      throw new Error('internal detail: secret_table column xyz');
  }
}

/**
 * Routes to exercise the HTTP edge the OAuth and SSO modules will stand on (form bodies, the
 * RFC 6749 error shape, per-client limits) before any real OAuth route exists. The same routes
 * are mounted under /oauth/test and /v1/test-http-edge, so one error can be compared in both
 * shapes. Test-only: mounted through createTestApp's `extraModules`, never by the app.
 */
abstract class HttpEdgeTestRoutes {
  /** A token endpoint in miniature: form or JSON, limited per client, OAuth errors. */
  @Post('token')
  @Public()
  @AcceptsForm()
  @RateLimitTracker('oauth_client', oauthClientIdOf)
  @HttpCode(200)
  token(@Body() body: TokenRequestDto, @Req() request: FastifyRequest) {
    const basic = request.headers.authorization?.match(/^basic (.*)$/i);
    const secret = basic
      ? Buffer.from(basic[1], 'base64').toString('utf8').split(':')[1]
      : body.client_secret;
    if (secret !== undefined && secret !== TEST_CLIENT_SECRET) {
      throw new InvalidClient(undefined, { viaAuthorizationHeader: Boolean(basic) });
    }
    if (body.grant_type === 'authorization_code') {
      throw new InvalidGrant('The authorization code is invalid or expired');
    }
    if (body.grant_type !== 'client_credentials') throw new UnsupportedGrantType();
    return { access_token: 'not-a-token', token_type: 'Bearer', expires_in: 60, fields: body };
  }

  /** Takes JSON only, as every route not marked @AcceptsForm. */
  @Post('json-only')
  @Public()
  @HttpCode(200)
  jsonOnly(@Body() body: NameDto) {
    return body;
  }

  /** Throws what `kind` names, as a route would. */
  @Get('fail/:kind')
  @Public()
  fail(@Param('kind') kind: string) {
    return failAs(kind);
  }

  /** The same, to a caller that had to present a credential (counted in a key's usage). */
  @Get('fail-authenticated/:kind')
  @Access({ scopes: ['translate:read'] })
  failAuthenticated(@Param('kind') kind: string) {
    return failAs(kind);
  }

  /** Behind Tessera's credentials, like /oauth/userinfo will be. */
  @Get('protected')
  @Access({ scopes: ['translate:read'] })
  protectedResource() {
    return { ok: true };
  }
}

@Controller('oauth/test')
class OAuthTestController extends HttpEdgeTestRoutes {}

@Controller('v1/test-http-edge')
class ContractTestController extends HttpEdgeTestRoutes {}

@Module({ controllers: [OAuthTestController, ContractTestController] })
export class HttpEdgeTestModule {}

import { Controller, Get, HttpCode, Module, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../src/common/auth/decorators';
import { BrowserSessions } from '../../src/modules/oauth/browser-sessions/browser-sessions.service';
import { OAuthModule } from '../../src/modules/oauth/oauth.module';

/**
 * What /oauth/authorize and /oauth/logout will do with the browser session, before they exist:
 * ask who the browser is signed in as (BrowserSessions.current), and sign it out (end).
 */
@Controller('oauth/test/browser-session')
class BrowserSessionTestController {
  constructor(private readonly sessions: BrowserSessions) {}

  @Public()
  @Get()
  async current(@Req() request: FastifyRequest) {
    return { session: await this.sessions.current(request) };
  }

  @Public()
  @Post('end')
  @HttpCode(204)
  async end(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.end(request, reply);
  }
}

/** The SAML module's SP-initiated login, as a stub: the login page links to it once it exists. */
@Controller('sso')
class SsoLoginStubController {
  @Public()
  @Get('login')
  login() {
    return { stub: true };
  }
}

/** Test-only routes, mounted through createTestApp's `extraModules`. */
@Module({ imports: [OAuthModule], controllers: [BrowserSessionTestController] })
export class BrowserSessionTestModule {}

@Module({ controllers: [SsoLoginStubController] })
export class SsoLoginStubModule {}

import { Controller, Get, HttpCode, Module, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../src/common/auth/decorators';
import { BrowserSessions } from '../../src/modules/oauth/browser-sessions/browser-sessions.service';
import { OAuthModule } from '../../src/modules/oauth/oauth.module';

/**
 * Who the browser is signed in as (BrowserSessions.current), and signing it out (end), as
 * /oauth/authorize and /oauth/logout do, for tests that look at the session itself.
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

/**
 * A redirect URI of an OAuth client's, for the browser tests: it shows the query the
 * authorization endpoint sent the browser back with (the code, state, iss, or the error).
 */
@Controller('oauth/test/callback')
class OAuthCallbackTestController {
  @Public()
  @Get()
  callback(@Req() request: FastifyRequest) {
    return { query: request.query };
  }
}

/** Test-only routes, mounted through createTestApp's `extraModules`. */
@Module({
  imports: [OAuthModule],
  controllers: [BrowserSessionTestController, OAuthCallbackTestController],
})
export class BrowserSessionTestModule {}

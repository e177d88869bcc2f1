import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ERROR_PAGE_RENDERER } from '../../common/errors/error-pages';
import { AuthModule } from '../auth/auth.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { BrowserSession } from './browser-sessions/browser-session.entity';
import { BrowserSessionsRepository } from './browser-sessions/browser-sessions.repository';
import { BrowserSessions } from './browser-sessions/browser-sessions.service';
import { ClientSecrets } from './clients/client-secrets';
import { OAuthClientsRepository } from './clients/oauth-clients.repository';
import { HtmlErrorPages } from './pages/html-error-pages';
import { LoginPage } from './pages/login/login-page.service';
import { LoginController } from './pages/login/login.controller';
import { PendingSignIns } from './pages/login/pending-sign-ins';
import { PageAssets } from './pages/page-assets';
import { PageAssetsController } from './pages/page-assets.controller';
import { PageCookies } from './pages/page-cookies';
import { PageRenderer } from './pages/page-renderer';
import { AuthorizationCode } from './storage/authorization-code.entity';
import { OAuthClient } from './storage/oauth-client.entity';
import { OAuthGrant } from './storage/oauth-grant.entity';
import { OAuthRefreshToken } from './storage/oauth-refresh-token.entity';

/**
 * Tessera as an OAuth 2.0 / OpenID Connect authorization server: clients, the token endpoint and
 * its grants (one file each under grants/), introspection, revocation, discovery, and the hosted
 * login and consent pages.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([OAuthClient, OAuthGrant, AuthorizationCode, OAuthRefreshToken]),
    TypeOrmModule.forFeature([BrowserSession]),
    UsersModule,
    OrganizationsModule,
    TokensModule,
    AuthModule,
  ],
  controllers: [LoginController, PageAssetsController],
  providers: [
    ClientSecrets,
    OAuthClientsRepository,
    // The hosted pages (pages/) and the browser session they set (browser-sessions/).
    PageCookies,
    PageAssets,
    PageRenderer,
    HtmlErrorPages,
    { provide: ERROR_PAGE_RENDERER, useExisting: HtmlErrorPages },
    PendingSignIns,
    LoginPage,
    BrowserSessionsRepository,
    BrowserSessions,
  ],
  exports: [OAuthClientsRepository, BrowserSessions, PageRenderer, ERROR_PAGE_RENDERER],
})
export class OAuthModule {}

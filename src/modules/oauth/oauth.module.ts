import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ERROR_PAGE_RENDERER } from '../../common/errors/error-pages';
import { AuthModule } from '../auth/auth.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { OAuthAccessTokens } from './access-tokens/oauth-access-tokens';
import { OAuthTokenVerifier } from './access-tokens/oauth-token.verifier';
import { ClientAuthentication } from './client-authentication';
import { BrowserSession } from './browser-sessions/browser-session.entity';
import { BrowserSessionsRepository } from './browser-sessions/browser-sessions.repository';
import { BrowserSessions } from './browser-sessions/browser-sessions.service';
import { ClientSecrets } from './clients/client-secrets';
import { OAuthClientChanges } from './clients/oauth-client-changes';
import { OAuthClientsCache } from './clients/oauth-clients.cache';
import { OAuthClientsController } from './clients/oauth-clients.controller';
import { OAuthClientsRepository } from './clients/oauth-clients.repository';
import { OAuthClientsService } from './clients/oauth-clients.service';
import { Discovery } from './endpoints/discovery';
import { Introspection } from './endpoints/introspection';
import { OAuthEndpointsController } from './endpoints/oauth-endpoints.controller';
import { Revocation } from './endpoints/revocation';
import { DelegatedPrincipals } from './access-tokens/delegated-principals';
import { Userinfo } from './endpoints/userinfo';
import { AuthorizationCodeGrant } from './grants/authorization-code.grant';
import { AuthorizationCodes } from './grants/authorization-codes';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { FirstPartySessions } from './grants/first-party-sessions';
import { GrantTokens } from './grants/grant-tokens';
import { OAuthGrants } from './grants/oauth-grants';
import { OAuthGrantsCache } from './grants/oauth-grants.cache';
import { OAuthGrantsController } from './grants/oauth-grants.controller';
import { OAuthGrantsRepository } from './grants/oauth-grants.repository';
import { OAuthRefreshTokens } from './grants/oauth-refresh-tokens';
import { RefreshTokenGrant } from './grants/refresh-token.grant';
import { IdTokens } from './id-tokens';
import { OAuthAuditTrail } from './oauth-audit-trail';
import { TokenEndpoint } from './token/token-endpoint';
import { TokenController } from './token/token.controller';
import { AuthorizationEndpoint } from './pages/authorize/authorization-endpoint';
import { AuthorizeController } from './pages/authorize/authorize.controller';
import { PendingAuthorizations } from './pages/authorize/pending-authorizations';
import { ReturnToApplications } from './pages/authorize/return-to-application';
import { HtmlErrorPages } from './pages/html-error-pages';
import { LoginPage } from './pages/login/login-page.service';
import { LoginController } from './pages/login/login.controller';
import { PendingSignIns } from './pages/login/pending-sign-ins';
import { IdTokenHints } from './pages/logout/id-token-hints';
import { LogoutController } from './pages/logout/logout.controller';
import { RpInitiatedLogout } from './pages/logout/rp-initiated-logout';
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
 * its grants (one file each under grants/), users' grants (consents) and the tokens issued under
 * them, ID tokens, userinfo, introspection, revocation, discovery, and the hosted login and
 * consent pages.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([OAuthClient, OAuthGrant, AuthorizationCode, OAuthRefreshToken]),
    TypeOrmModule.forFeature([BrowserSession]),
    UsersModule,
    OrganizationsModule,
    TokensModule,
    AuthModule,
    DiscoveryModule,
  ],
  controllers: [
    OAuthClientsController,
    TokenController,
    OAuthEndpointsController,
    OAuthGrantsController,
    LoginController,
    AuthorizeController,
    LogoutController,
    PageAssetsController,
  ],
  providers: [
    ClientSecrets,
    OAuthClientsRepository,
    OAuthClientChanges,
    OAuthClientsService,
    OAuthClientsCache,
    ClientAuthentication,
    OAuthAuditTrail,
    TokenEndpoint,
    OAuthGrantsRepository,
    OAuthGrants,
    OAuthGrantsCache,
    AuthorizationCodes,
    OAuthRefreshTokens,
    IdTokens,
    GrantTokens,
    FirstPartySessions,
    ClientCredentialsGrant,
    AuthorizationCodeGrant,
    RefreshTokenGrant,
    OAuthAccessTokens,
    DelegatedPrincipals,
    OAuthTokenVerifier,
    Introspection,
    Revocation,
    Userinfo,
    Discovery,
    // The hosted pages (pages/) and the browser session they set (browser-sessions/).
    PageCookies,
    PageAssets,
    PageRenderer,
    HtmlErrorPages,
    { provide: ERROR_PAGE_RENDERER, useExisting: HtmlErrorPages },
    PendingSignIns,
    LoginPage,
    ReturnToApplications,
    PendingAuthorizations,
    AuthorizationEndpoint,
    IdTokenHints,
    RpInitiatedLogout,
    BrowserSessionsRepository,
    BrowserSessions,
  ],
  exports: [
    OAuthClientsRepository,
    OAuthClientChanges,
    OAuthClientsCache,
    TokenEndpoint,
    BrowserSessions,
    PageRenderer,
    HtmlErrorPages,
    ERROR_PAGE_RENDERER,
    OAuthGrants,
    AuthorizationCodes,
  ],
})
export class OAuthModule {}

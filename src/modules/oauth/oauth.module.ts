import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrganizationsModule } from '../organizations/organizations.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AuthModule } from '../auth/auth.module';
import { OAuthAccessTokens } from './access-tokens/oauth-access-tokens';
import { OAuthTokenVerifier } from './access-tokens/oauth-token.verifier';
import { ClientAuthentication } from './client-authentication';
import { ClientSecrets } from './clients/client-secrets';
import { OAuthClientsCache } from './clients/oauth-clients.cache';
import { OAuthClientsRepository } from './clients/oauth-clients.repository';
import { Discovery } from './endpoints/discovery';
import { Introspection } from './endpoints/introspection';
import { OAuthEndpointsController } from './endpoints/oauth-endpoints.controller';
import { Revocation } from './endpoints/revocation';
import { DelegatedPrincipals } from './access-tokens/delegated-principals';
import { Userinfo } from './endpoints/userinfo';
import { AuthorizationCodeGrant } from './grants/authorization-code.grant';
import { AuthorizationCodes } from './grants/authorization-codes';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
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
    UsersModule,
    OrganizationsModule,
    TokensModule,
    AuthModule,
    DiscoveryModule,
  ],
  controllers: [TokenController, OAuthEndpointsController, OAuthGrantsController],
  providers: [
    ClientSecrets,
    OAuthClientsRepository,
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
  ],
  exports: [
    OAuthClientsRepository,
    OAuthClientsCache,
    TokenEndpoint,
    OAuthGrants,
    AuthorizationCodes,
  ],
})
export class OAuthModule {}

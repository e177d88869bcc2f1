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
import { OAuthClientChanges } from './clients/oauth-client-changes';
import { OAuthClientsCache } from './clients/oauth-clients.cache';
import { OAuthClientsController } from './clients/oauth-clients.controller';
import { OAuthClientsRepository } from './clients/oauth-clients.repository';
import { OAuthClientsService } from './clients/oauth-clients.service';
import { Discovery } from './endpoints/discovery';
import { Introspection } from './endpoints/introspection';
import { OAuthEndpointsController } from './endpoints/oauth-endpoints.controller';
import { Revocation } from './endpoints/revocation';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { OAuthAuditTrail } from './oauth-audit-trail';
import { TokenEndpoint } from './token/token-endpoint';
import { TokenController } from './token/token.controller';
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
    UsersModule,
    OrganizationsModule,
    TokensModule,
    AuthModule,
    DiscoveryModule,
  ],
  controllers: [OAuthClientsController, TokenController, OAuthEndpointsController],
  providers: [
    ClientSecrets,
    OAuthClientsRepository,
    OAuthClientChanges,
    OAuthClientsService,
    OAuthClientsCache,
    ClientAuthentication,
    OAuthAuditTrail,
    TokenEndpoint,
    ClientCredentialsGrant,
    OAuthAccessTokens,
    OAuthTokenVerifier,
    Introspection,
    Revocation,
    Discovery,
  ],
  exports: [OAuthClientsRepository, OAuthClientChanges, OAuthClientsCache, TokenEndpoint],
})
export class OAuthModule {}

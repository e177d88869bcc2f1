import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrganizationsModule } from '../organizations/organizations.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { ClientSecrets } from './clients/client-secrets';
import { OAuthClientChanges } from './clients/oauth-client-changes';
import { OAuthClientsController } from './clients/oauth-clients.controller';
import { OAuthClientsRepository } from './clients/oauth-clients.repository';
import { OAuthClientsService } from './clients/oauth-clients.service';
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
  ],
  controllers: [OAuthClientsController],
  providers: [ClientSecrets, OAuthClientsRepository, OAuthClientChanges, OAuthClientsService],
  exports: [OAuthClientsRepository, OAuthClientChanges],
})
export class OAuthModule {}

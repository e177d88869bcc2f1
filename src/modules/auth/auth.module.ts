import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from '../../common/auth/access.guard';
import { CredentialVerifiers } from '../../common/auth/credential-verifiers';
import { RouteAuthorizer } from '../../common/auth/route-authorizer';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AccessTokenCache } from './access-token.cache';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottle } from './login-throttle';
import { MfaController } from './mfa/mfa.controller';
import { MfaService } from './mfa/mfa.service';
import { Reauthentication } from './reauthentication';
import { RefreshToken } from './sessions/refresh-token.entity';
import { RevokedAccessToken } from './sessions/revoked-access-token.entity';
import { Session } from './sessions/session.entity';
import { SessionsController } from './sessions/sessions.controller';
import { AccessTokenDenylist } from './sessions/access-token-denylist';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { UserSessionsService } from './sessions/user-sessions.service';
import { JwtStrategy } from './strategies/jwt.strategy';
import { UserTokenIssuer } from './user-token.issuer';
import { UserTokenVerifier } from './user-token.verifier';

/**
 * Users' sign-in and the request authentication every module relies on: the one global guard
 * (AccessGuard) authenticates (deny by default), counts rate limits, then checks the scopes and
 * permissions of the route's @Access.
 */
@Module({
  imports: [
    PassportModule,
    DiscoveryModule,
    TypeOrmModule.forFeature([Session, RefreshToken, RevokedAccessToken]),
    UsersModule,
    OrganizationsModule,
    ApiKeysModule,
    RateLimitsModule,
    TokensModule,
  ],
  controllers: [AuthController, SessionsController, MfaController],
  providers: [
    AuthService,
    SessionsRepository,
    AccessTokenDenylist,
    SessionsService,
    UserSessionsService,
    MfaService,
    Reauthentication,
    AccessTokenCache,
    LoginThrottle,
    JwtStrategy,
    UserTokenVerifier,
    UserTokenIssuer,
    CredentialVerifiers,
    RouteAuthorizer,
    AccessGuard,
    { provide: APP_GUARD, useExisting: AccessGuard },
  ],
  // CredentialVerifiers: the exception filter tells them of requests that failed (5xx).
  exports: [
    AccessTokenCache,
    SessionsService,
    AuthService,
    AccessTokenDenylist,
    CredentialVerifiers,
  ],
})
export class AuthModule {}

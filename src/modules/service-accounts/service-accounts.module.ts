import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { TokensModule } from '../tokens/tokens.module';
import { AssertionReplays } from './assertions/assertion-replays';
import { JwtBearerGrant } from './jwt-bearer.grant';
import { ServiceAccountKey } from './keys/service-account-key.entity';
import { ServiceAccountKeysController } from './keys/service-account-keys.controller';
import { ServiceAccountKeysService } from './keys/service-account-keys.service';
import { ServiceAccountChanges } from './service-account-changes';
import { ServiceAccountDependents } from './service-account-dependents';
import { ServiceAccount } from './service-account.entity';
import { ServiceAccountsCache } from './service-accounts.cache';
import { ServiceAccountsController } from './service-accounts.controller';
import { ServiceAccountsRepository } from './service-accounts.repository';
import { ServiceAccountsService } from './service-accounts.service';
import { ServiceAccountTokenVerifier } from './tokens/service-account-token.verifier';
import { ServiceAccountTokens } from './tokens/service-account-tokens';

/**
 * Service accounts: non-human identities with key files (management API), the JWT bearer grant
 * that turns their assertions into access tokens (found by the OAuth token endpoint through
 * @GrantTypeProvider), and the verifier of those tokens on /v1 (@CredentialVerifierProvider).
 * The API keys module reads accounts through ServiceAccountsCache and ends an account's keys
 * through ServiceAccountDependents.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ServiceAccount, ServiceAccountKey]),
    TokensModule,
    UsersModule,
  ],
  controllers: [ServiceAccountsController, ServiceAccountKeysController],
  providers: [
    ServiceAccountsRepository,
    ServiceAccountChanges,
    ServiceAccountsCache,
    ServiceAccountDependents,
    ServiceAccountsService,
    ServiceAccountKeysService,
    AssertionReplays,
    JwtBearerGrant,
    ServiceAccountTokens,
    ServiceAccountTokenVerifier,
  ],
  exports: [ServiceAccountsCache, ServiceAccountDependents],
})
export class ServiceAccountsModule {}

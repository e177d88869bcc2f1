import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OAuthModule } from '../oauth/oauth.module';
import { OAuthClient } from '../oauth/storage/oauth-client.entity';
import { Organization } from '../organizations/organization.entity';
import { TokensModule } from '../tokens/tokens.module';
import { ConsoleClientRegistration } from './console-client.registration';
import { ConsoleClientRepository } from './console-client.repository';
import { ConsoleController } from './console.controller';
import { ConsoleFiles } from './console-files';

/**
 * The web console (console/ in this repository): its files served at /console, and its OAuth
 * client registered at start (console-client.ts).
 */
@Module({
  imports: [TypeOrmModule.forFeature([OAuthClient, Organization]), OAuthModule, TokensModule],
  controllers: [ConsoleController],
  providers: [ConsoleFiles, ConsoleClientRepository, ConsoleClientRegistration],
})
export class ConsoleModule {}

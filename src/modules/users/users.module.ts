import { Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialMinting } from './credential-minting';
import { stopPasswordThreads } from './password-threads';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User])],
  providers: [UsersRepository, UsersService, CredentialMinting],
  exports: [UsersService, CredentialMinting],
})
export class UsersModule implements OnApplicationShutdown {
  /** The password threads end with the app (tests close many apps in one process). */
  onApplicationShutdown(): Promise<void> {
    return stopPasswordThreads();
  }
}

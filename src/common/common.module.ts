import { Global, Module } from '@nestjs/common';
import { ScopeCatalogue } from './auth/scope-catalogue';
import { MasterKeyService } from './crypto/master-key';
import { BackgroundJobs } from './jobs/background-jobs';

/** Plumbing every feature module may use. */
@Global()
@Module({
  providers: [MasterKeyService, ScopeCatalogue, BackgroundJobs],
  exports: [MasterKeyService, ScopeCatalogue, BackgroundJobs],
})
export class CommonModule {}

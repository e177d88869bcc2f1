import { Global, Module } from '@nestjs/common';
import { DatabaseAvailability } from '../database/database-availability';
import { ScopeCatalogue } from './auth/scope-catalogue';
import { MasterKeyService } from './crypto/master-key';
import { BackgroundJobs } from './jobs/background-jobs';

/** Plumbing every feature module may use. */
@Global()
@Module({
  providers: [MasterKeyService, ScopeCatalogue, BackgroundJobs, DatabaseAvailability],
  exports: [MasterKeyService, ScopeCatalogue, BackgroundJobs, DatabaseAvailability],
})
export class CommonModule {}

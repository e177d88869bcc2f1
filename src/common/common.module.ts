import { Global, Module } from '@nestjs/common';
import { DatabaseAvailability } from '../database/database-availability';
import { ScopeCatalogue } from './auth/scope-catalogue';
import { StaleIfError } from './cache/stale-if-error';
import { StalePolicy } from './cache/stale-policy';
import { MasterKeyService } from './crypto/master-key';
import { BackgroundJobs } from './jobs/background-jobs';

/** Plumbing every feature module may use. */
@Global()
@Module({
  providers: [
    MasterKeyService,
    ScopeCatalogue,
    BackgroundJobs,
    DatabaseAvailability,
    { provide: StalePolicy, useClass: StaleIfError },
  ],
  exports: [MasterKeyService, ScopeCatalogue, BackgroundJobs, DatabaseAvailability, StalePolicy],
})
export class CommonModule {}

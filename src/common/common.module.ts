import { Global, Module } from '@nestjs/common';
import { ScopeCatalogue } from './auth/scope-catalogue';
import { MasterKeyService } from './crypto/master-key';

/** Plumbing every feature module may use. */
@Global()
@Module({
  providers: [MasterKeyService, ScopeCatalogue],
  exports: [MasterKeyService, ScopeCatalogue],
})
export class CommonModule {}

import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module';
import { InstanceAdminVerifier } from './instance-admin.verifier';

/** The instance administrator's credential (TESSERA_ADMIN_TOKEN). */
@Module({
  imports: [OrganizationsModule],
  providers: [InstanceAdminVerifier],
})
export class InstanceAdminModule {}

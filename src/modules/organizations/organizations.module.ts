import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { IamController } from './iam.controller';
import { Membership } from './membership.entity';
import { MembershipRolesCache } from './membership-roles.cache';
import { Organization } from './organization.entity';
import { OrganizationsController } from './organizations.controller';
import { OrganizationsRepository } from './organizations.repository';
import { OrganizationsService } from './organizations.service';

@Module({
  imports: [TypeOrmModule.forFeature([Organization, Membership]), UsersModule],
  controllers: [OrganizationsController, IamController],
  providers: [OrganizationsRepository, OrganizationsService, MembershipRolesCache],
  exports: [OrganizationsService, MembershipRolesCache],
})
export class OrganizationsModule {}

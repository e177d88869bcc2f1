import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { actingOrganizationId } from '../../common/auth/authorization';
import { Access, Principal } from '../../common/auth/decorators';
import type { Principal as Caller } from '../../common/auth/principal';
import { ListQueryDto } from '../../common/http/pagination';
import { MemberListDto } from './dto/member.dto';
import { OrganizationPermissions } from './organizations.permissions';
import { OrganizationsService } from './organizations.service';

@ApiTags('organizations')
@Controller('v1/iam')
export class IamController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Access({ permissions: [OrganizationPermissions.membersRead], errors: [422] })
  @Get('users')
  @ApiOperation({ summary: 'Users of the organization the request acts in (X-Organization-ID)' })
  @ApiOkResponse({ type: MemberListDto })
  users(@Principal() caller: Caller, @Query() query: ListQueryDto) {
    return this.organizations.listMembers(actingOrganizationId(caller), query);
  }
}

import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { actingOrganizationId } from '../../common/auth/authorization';
import { Permissions, Principal } from '../../common/auth/decorators';
import type { Principal as Caller } from '../../common/auth/principal';
import { ApiErrors } from '../../common/http/api-docs';
import { ListQueryDto } from '../../common/http/pagination';
import { MemberListDto } from './dto/member.dto';
import { OrganizationsService } from './organizations.service';

@ApiTags('organizations')
@ApiBearerAuth()
@ApiSecurity('api_key')
@Controller('v1/iam')
export class IamController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get('users')
  @Permissions('organization.members.read')
  @ApiOperation({ summary: 'Users of the organization the request acts in (X-Organization-ID)' })
  @ApiHeader({ name: 'X-Organization-ID', required: false })
  @ApiOkResponse({ type: MemberListDto })
  @ApiErrors(401, 403, 422)
  users(@Principal() caller: Caller, @Query() query: ListQueryDto) {
    return this.organizations.listMembers(actingOrganizationId(caller), query);
  }
}

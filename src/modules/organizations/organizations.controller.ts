import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import {
  Authenticated,
  OrganizationFromPath,
  Permissions,
  Principal,
} from '../../common/auth/decorators';
import type { Principal as Caller } from '../../common/auth/principal';
import { ApiErrors } from '../../common/http/api-docs';
import { MemberUserIdParam, OrganizationIdParam } from '../../common/http/path-ids';
import { ListQueryDto } from '../../common/http/pagination';
import { AddMemberDto, MemberDto, MemberListDto, UpdateMemberDto } from './dto/member.dto';
import {
  CreateOrganizationDto,
  OrganizationDto,
  OrganizationListDto,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { OrganizationsService } from './organizations.service';

@ApiTags('organizations')
@ApiBearerAuth()
@ApiSecurity('api_key')
@ApiErrors(401)
@Controller('v1/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({
    summary: "The caller's organizations (all of them for the instance administrator)",
  })
  @ApiOkResponse({ type: OrganizationListDto })
  @ApiErrors(422)
  list(@Principal() caller: Caller, @Query() query: ListQueryDto) {
    return this.organizations.list(caller, query);
  }

  @Post()
  @Authenticated()
  @ApiOperation({ summary: 'Create an organization; the caller becomes its owner' })
  @ApiCreatedResponse({ type: OrganizationDto })
  @ApiErrors(403, 422)
  create(@Principal() caller: Caller, @Body() dto: CreateOrganizationDto) {
    return this.organizations.create(caller, dto.name);
  }

  @Get(':id')
  @Permissions('organization.read')
  @OrganizationFromPath('id')
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrors(403, 404)
  get(@Principal() caller: Caller, @Param('id', OrganizationIdParam) id: string) {
    return this.organizations.get(caller, id);
  }

  @Patch(':id')
  @Permissions('organization.update')
  @OrganizationFromPath('id')
  @ApiOperation({
    summary: 'Rename; plan and rate_limit_per_minute are for the instance administrator',
  })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrors(400, 403, 404, 422)
  update(
    @Principal() caller: Caller,
    @Param('id', OrganizationIdParam) id: string,
    @Body() dto: UpdateOrganizationDto,
  ) {
    return this.organizations.update(caller, id, dto);
  }

  @Get(':id/members')
  @Permissions('organization.members.read')
  @OrganizationFromPath('id')
  @ApiOkResponse({ type: MemberListDto })
  @ApiErrors(403, 404, 422)
  listMembers(@Param('id', OrganizationIdParam) id: string, @Query() query: ListQueryDto) {
    return this.organizations.listMembers(id, query);
  }

  @Post(':id/members')
  @Permissions('organization.members.create')
  @OrganizationFromPath('id')
  @ApiOperation({ summary: 'Add a registered user to the organization with a role' })
  @ApiCreatedResponse({ type: MemberDto })
  @ApiErrors(403, 404, 409, 422)
  addMember(
    @Principal() caller: Caller,
    @Param('id', OrganizationIdParam) id: string,
    @Body() dto: AddMemberDto,
  ) {
    return this.organizations.addMember(caller, id, dto);
  }

  @Patch(':id/members/:user_id')
  @Permissions('organization.members.update')
  @OrganizationFromPath('id')
  @ApiOkResponse({ type: MemberDto })
  @ApiErrors(403, 404, 409, 422)
  changeRole(
    @Principal() caller: Caller,
    @Param('id', OrganizationIdParam) id: string,
    @Param('user_id', MemberUserIdParam) userId: string,
    @Body() dto: UpdateMemberDto,
  ) {
    return this.organizations.changeRole(caller, id, userId, dto.role);
  }

  @Delete(':id/members/:user_id')
  @HttpCode(204)
  @Permissions('organization.members.delete')
  @OrganizationFromPath('id')
  @ApiErrors(403, 404, 409)
  async removeMember(
    @Principal() caller: Caller,
    @Param('id', OrganizationIdParam) id: string,
    @Param('user_id', MemberUserIdParam) userId: string,
  ) {
    await this.organizations.removeMember(caller, id, userId);
  }
}

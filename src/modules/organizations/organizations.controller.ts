import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Access, Principal } from '../../common/auth/decorators';
import type { Principal as Caller } from '../../common/auth/principal';
import { MemberUserIdParam, OrganizationIdParam } from '../../common/http/path-ids';
import { ListQueryDto } from '../../common/http/pagination';
import { AddMemberDto, MemberDto, MemberListDto, UpdateMemberDto } from './dto/member.dto';
import {
  CreateOrganizationDto,
  OrganizationDto,
  OrganizationListDto,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { OrganizationPermissions } from './organizations.permissions';
import { OrganizationsService } from './organizations.service';

@ApiTags('organizations')
@Controller('v1/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Access({ errors: [422] })
  @Get()
  @ApiOperation({
    summary: "The caller's organizations (all of them for the instance administrator)",
  })
  @ApiOkResponse({ type: OrganizationListDto })
  list(@Principal() caller: Caller, @Query() query: ListQueryDto) {
    return this.organizations.list(caller, query);
  }

  @Access({ errors: [422] })
  @Post()
  @ApiOperation({ summary: 'Create an organization; the caller becomes its owner' })
  @ApiCreatedResponse({ type: OrganizationDto })
  create(@Principal() caller: Caller, @Body() dto: CreateOrganizationDto) {
    return this.organizations.create(caller, dto.name);
  }

  @Access({ permissions: [OrganizationPermissions.read], organizationFromPath: 'id' })
  @Get(':id')
  @ApiOkResponse({ type: OrganizationDto })
  get(@Principal() caller: Caller, @Param('id', OrganizationIdParam) id: string) {
    return this.organizations.get(caller, id);
  }

  @Access({
    permissions: [OrganizationPermissions.update],
    organizationFromPath: 'id',
    errors: [422],
  })
  @Patch(':id')
  @ApiOperation({
    summary: 'Rename; plan and rate_limit_per_minute are for the instance administrator',
  })
  @ApiOkResponse({ type: OrganizationDto })
  update(
    @Principal() caller: Caller,
    @Param('id', OrganizationIdParam) id: string,
    @Body() dto: UpdateOrganizationDto,
  ) {
    return this.organizations.update(caller, id, dto);
  }

  @Access({
    permissions: [OrganizationPermissions.membersRead],
    organizationFromPath: 'id',
    errors: [422],
  })
  @Get(':id/members')
  @ApiOkResponse({ type: MemberListDto })
  listMembers(@Param('id', OrganizationIdParam) id: string, @Query() query: ListQueryDto) {
    return this.organizations.listMembers(id, query);
  }

  @Access({
    permissions: [OrganizationPermissions.membersCreate],
    organizationFromPath: 'id',
    errors: [409, 422],
  })
  @Post(':id/members')
  @ApiOperation({ summary: 'Add a registered user to the organization with a role' })
  @ApiCreatedResponse({ type: MemberDto })
  addMember(
    @Principal() caller: Caller,
    @Param('id', OrganizationIdParam) id: string,
    @Body() dto: AddMemberDto,
  ) {
    return this.organizations.addMember(caller, id, dto);
  }

  @Access({
    permissions: [OrganizationPermissions.membersUpdate],
    organizationFromPath: 'id',
    errors: [409, 422],
  })
  @Patch(':id/members/:user_id')
  @ApiOkResponse({ type: MemberDto })
  changeRole(
    @Principal() caller: Caller,
    @Param('id', OrganizationIdParam) id: string,
    @Param('user_id', MemberUserIdParam) userId: string,
    @Body() dto: UpdateMemberDto,
  ) {
    return this.organizations.changeRole(caller, id, userId, dto.role);
  }

  @Access({
    permissions: [OrganizationPermissions.membersDelete],
    organizationFromPath: 'id',
    errors: [409],
  })
  @Delete(':id/members/:user_id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed' })
  async removeMember(
    @Principal() caller: Caller,
    @Param('id', OrganizationIdParam) id: string,
    @Param('user_id', MemberUserIdParam) userId: string,
  ) {
    await this.organizations.removeMember(caller, id, userId);
  }
}

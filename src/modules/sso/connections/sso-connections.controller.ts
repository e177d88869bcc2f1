import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Access, Principal } from '../../../common/auth/decorators';
import type { Principal as Caller } from '../../../common/auth/principal';
import { ListQueryDto } from '../../../common/http/pagination';
import { SsoPermissions } from '../sso.permissions';
import { CreateSsoConnectionDto } from './dto/create-sso-connection.dto';
import { SsoConnectionDto, SsoConnectionListDto } from './dto/sso-connection.dto';
import { UpdateSsoConnectionDto } from './dto/update-sso-connection.dto';
import { VerifyDomainDto } from './dto/verify-domain.dto';
import { SsoConnectionIdParam } from './sso-connection-id';
import { SsoConnectionsService } from './sso-connections.service';

@ApiTags('sso')
@Controller('v1/sso/connections')
export class SsoConnectionsController {
  constructor(private readonly connections: SsoConnectionsService) {}

  @Access({ permissions: [SsoPermissions.write], errors: [409, 422] })
  @Post()
  @ApiOperation({
    summary:
      'Connect a SAML IdP: from its metadata, its metadata URL, or entity ID + SSO URL + certificate',
  })
  @ApiCreatedResponse({ type: SsoConnectionDto })
  create(@Principal() caller: Caller, @Body() dto: CreateSsoConnectionDto) {
    return this.connections.create(caller, dto);
  }

  @Access({ permissions: [SsoPermissions.read], errors: [422] })
  @Get()
  @ApiOkResponse({ type: SsoConnectionListDto })
  list(@Principal() caller: Caller, @Query() query: ListQueryDto) {
    return this.connections.list(caller, query);
  }

  @Access({ permissions: [SsoPermissions.read], errors: [404] })
  @Get(':id')
  @ApiOkResponse({ type: SsoConnectionDto })
  get(@Principal() caller: Caller, @Param('id', SsoConnectionIdParam) id: string) {
    return this.connections.get(caller, id);
  }

  @Access({ permissions: [SsoPermissions.write], errors: [404, 409, 422] })
  @Patch(':id')
  @ApiOperation({ summary: 'Change a connection; a list or mapping given replaces its own' })
  @ApiOkResponse({ type: SsoConnectionDto })
  update(
    @Principal() caller: Caller,
    @Param('id', SsoConnectionIdParam) id: string,
    @Body() dto: UpdateSsoConnectionDto,
  ) {
    return this.connections.update(caller, id, dto);
  }

  @Access({ permissions: [SsoPermissions.write], errors: [403, 404, 409, 422] })
  @Post(':id/domains/:domain/verify')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Verify a claimed domain: its TXT record _tessera-challenge.<domain> holds the value in domain_claims (409 until it does, or once another connection verified the domain); other connections lose their claims on it',
  })
  @ApiOkResponse({ type: SsoConnectionDto })
  verifyDomain(
    @Principal() caller: Caller,
    @Param('id', SsoConnectionIdParam) id: string,
    @Param('domain') domain: string,
    @Body() dto: VerifyDomainDto,
  ) {
    return this.connections.verifyDomain(caller, id, domain, dto?.method ?? 'dns_txt');
  }

  @Access({ permissions: [SsoPermissions.write], errors: [404] })
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a connection: its domains are free again; its users stay' })
  @ApiNoContentResponse()
  async delete(@Principal() caller: Caller, @Param('id', SsoConnectionIdParam) id: string) {
    await this.connections.delete(caller, id);
  }
}

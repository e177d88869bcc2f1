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
import { OAuthClientPermissions } from '../oauth.permissions';
import { CreateOAuthClientDto } from './dto/create-oauth-client.dto';
import {
  CreatedOAuthClientDto,
  OAuthClientDto,
  OAuthClientListDto,
  RotatedClientSecretDto,
} from './dto/oauth-client.dto';
import { RotateClientSecretDto, UpdateOAuthClientDto } from './dto/update-oauth-client.dto';
import { OAuthClientIdParam } from './oauth-client-id';
import { OAuthClientsService } from './oauth-clients.service';

@ApiTags('oauth-clients')
@Controller('v1/oauth/clients')
export class OAuthClientsController {
  constructor(private readonly clients: OAuthClientsService) {}

  @Access({ permissions: [OAuthClientPermissions.write], errors: [422] })
  @Post()
  @ApiOperation({
    summary:
      'Register a client; a confidential client’s secret is in the answer once and never again',
  })
  @ApiCreatedResponse({ type: CreatedOAuthClientDto })
  create(@Principal() caller: Caller, @Body() dto: CreateOAuthClientDto) {
    return this.clients.create(caller, dto);
  }

  @Access({ permissions: [OAuthClientPermissions.read], errors: [422] })
  @Get()
  @ApiOkResponse({ type: OAuthClientListDto })
  list(@Principal() caller: Caller, @Query() query: ListQueryDto) {
    return this.clients.list(caller, query);
  }

  @Access({ permissions: [OAuthClientPermissions.read], errors: [404] })
  @Get(':client_id')
  @ApiOkResponse({ type: OAuthClientDto })
  get(@Principal() caller: Caller, @Param('client_id', OAuthClientIdParam) clientId: string) {
    return this.clients.get(caller, clientId);
  }

  @Access({ permissions: [OAuthClientPermissions.write], errors: [404, 422] })
  @Patch(':client_id')
  @ApiOperation({ summary: 'Rename, change redirect URIs, grant types or scopes' })
  @ApiOkResponse({ type: OAuthClientDto })
  update(
    @Principal() caller: Caller,
    @Param('client_id', OAuthClientIdParam) clientId: string,
    @Body() dto: UpdateOAuthClientDto,
  ) {
    return this.clients.update(caller, clientId, dto);
  }

  @Access({ permissions: [OAuthClientPermissions.write], errors: [404] })
  @Delete(':client_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete the client with its grants: every token it holds stops working',
  })
  @ApiNoContentResponse()
  async delete(
    @Principal() caller: Caller,
    @Param('client_id', OAuthClientIdParam) clientId: string,
  ) {
    await this.clients.delete(caller, clientId);
  }

  @Access({ permissions: [OAuthClientPermissions.write], errors: [400, 404, 409, 422] })
  @Post(':client_id/secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A new secret, shown once; the old one works for grace_period_seconds (default 0)',
  })
  @ApiOkResponse({ type: RotatedClientSecretDto })
  rotateSecret(
    @Principal() caller: Caller,
    @Param('client_id', OAuthClientIdParam) clientId: string,
    @Body() dto: RotateClientSecretDto,
  ) {
    return this.clients.rotateSecret(caller, clientId, dto.grace_period_seconds);
  }
}

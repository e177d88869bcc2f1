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
import { ApiKeyIdParam } from '../../common/http/path-ids';
import { ApiKeyPermissions } from './api-keys.permissions';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyUsageService } from './api-key-usage.service';
import {
  ApiKeyDto,
  ApiKeyListDto,
  ApiKeyListQueryDto,
  CreatedApiKeyDto,
  UsageDto,
  UsageQueryDto,
} from './dto/api-key.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { RotateApiKeyDto, UpdateApiKeyDto } from './dto/update-api-key.dto';

@ApiTags('api-keys')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly usageReports: ApiKeyUsageService,
  ) {}

  @Access({ permissions: [ApiKeyPermissions.write], errors: [422] })
  @Post()
  @ApiOperation({ summary: 'Create a key; the secret is in the answer once and never again' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Principal() caller: Caller, @Body() dto: CreateApiKeyDto) {
    return this.apiKeys.create(caller, dto);
  }

  @Access({ permissions: [ApiKeyPermissions.read], errors: [422] })
  @Get()
  @ApiOkResponse({ type: ApiKeyListDto })
  list(@Principal() caller: Caller, @Query() query: ApiKeyListQueryDto) {
    return this.apiKeys.list(caller, query);
  }

  @Access({ permissions: [ApiKeyPermissions.read], errors: [404] })
  @Get(':id')
  @ApiOkResponse({ type: ApiKeyDto })
  get(@Principal() caller: Caller, @Param('id', ApiKeyIdParam) id: string) {
    return this.apiKeys.get(caller, id);
  }

  @Access({ permissions: [ApiKeyPermissions.write], errors: [404, 422] })
  @Patch(':id')
  @ApiOperation({ summary: 'Rename, restrict IPs, change the rate limit or narrow the scopes' })
  @ApiOkResponse({ type: ApiKeyDto })
  update(
    @Principal() caller: Caller,
    @Param('id', ApiKeyIdParam) id: string,
    @Body() dto: UpdateApiKeyDto,
  ) {
    return this.apiKeys.update(caller, id, dto);
  }

  @Access({ permissions: [ApiKeyPermissions.write], errors: [404] })
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke at once' })
  @ApiNoContentResponse()
  async revoke(@Principal() caller: Caller, @Param('id', ApiKeyIdParam) id: string) {
    await this.apiKeys.revoke(caller, id);
  }

  @Access({ permissions: [ApiKeyPermissions.write], errors: [404, 422] })
  @Post(':id/rotate')
  @ApiOperation({
    summary: 'New key, same settings; the old one works until the grace period ends',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  rotate(
    @Principal() caller: Caller,
    @Param('id', ApiKeyIdParam) id: string,
    @Body() dto: RotateApiKeyDto,
  ) {
    return this.apiKeys.rotate(caller, id, dto.grace_period_hours);
  }

  @Access({ permissions: [ApiKeyPermissions.read], errors: [404, 422] })
  @Get(':id/usage')
  @ApiOperation({ summary: 'Requests and rejections per hour or day, last use' })
  @ApiOkResponse({ type: UsageDto })
  usage(
    @Principal() caller: Caller,
    @Param('id', ApiKeyIdParam) id: string,
    @Query() query: UsageQueryDto,
  ) {
    return this.usageReports.usageOf(caller, id, query);
  }
}

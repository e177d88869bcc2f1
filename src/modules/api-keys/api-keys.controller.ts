import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { Permissions, Principal } from '../../common/auth/decorators';
import type { Principal as Caller } from '../../common/auth/principal';
import { ApiErrors } from '../../common/http/api-docs';
import { ApiKeyIdParam } from '../../common/http/path-ids';
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
@ApiBearerAuth()
@ApiSecurity('api_key')
@ApiHeader({ name: 'X-Organization-ID', required: false })
@ApiErrors(401, 403)
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly usageReports: ApiKeyUsageService,
  ) {}

  @Post()
  @Permissions('api_keys.write')
  @ApiOperation({ summary: 'Create a key; the secret is in the answer once and never again' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(400, 422)
  create(@Principal() caller: Caller, @Body() dto: CreateApiKeyDto) {
    return this.apiKeys.create(caller, dto);
  }

  @Get()
  @Permissions('api_keys.read')
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiErrors(422)
  list(@Principal() caller: Caller, @Query() query: ApiKeyListQueryDto) {
    return this.apiKeys.list(caller, query);
  }

  @Get(':id')
  @Permissions('api_keys.read')
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrors(404)
  get(@Principal() caller: Caller, @Param('id', ApiKeyIdParam) id: string) {
    return this.apiKeys.get(caller, id);
  }

  @Patch(':id')
  @Permissions('api_keys.write')
  @ApiOperation({ summary: 'Rename, restrict IPs, change the rate limit or narrow the scopes' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrors(400, 404, 422)
  update(
    @Principal() caller: Caller,
    @Param('id', ApiKeyIdParam) id: string,
    @Body() dto: UpdateApiKeyDto,
  ) {
    return this.apiKeys.update(caller, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Permissions('api_keys.write')
  @ApiOperation({ summary: 'Revoke at once' })
  @ApiNoContentResponse()
  @ApiErrors(404)
  async revoke(@Principal() caller: Caller, @Param('id', ApiKeyIdParam) id: string) {
    await this.apiKeys.revoke(caller, id);
  }

  @Post(':id/rotate')
  @Permissions('api_keys.write')
  @ApiOperation({
    summary: 'New key, same settings; the old one works until the grace period ends',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(400, 404, 422)
  rotate(
    @Principal() caller: Caller,
    @Param('id', ApiKeyIdParam) id: string,
    @Body() dto: RotateApiKeyDto,
  ) {
    return this.apiKeys.rotate(caller, id, dto.grace_period_hours);
  }

  @Get(':id/usage')
  @Permissions('api_keys.read')
  @ApiOperation({ summary: 'Requests and rejections per hour or day, last use' })
  @ApiOkResponse({ type: UsageDto })
  @ApiErrors(400, 404, 422)
  usage(
    @Principal() caller: Caller,
    @Param('id', ApiKeyIdParam) id: string,
    @Query() query: UsageQueryDto,
  ) {
    return this.usageReports.usageOf(caller, id, query);
  }
}

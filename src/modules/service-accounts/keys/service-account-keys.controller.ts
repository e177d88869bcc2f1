import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
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
import { CreateServiceAccountKeyDto } from '../dto/create-service-account-key.dto';
import { CreatedServiceAccountKeyDto, ServiceAccountKeyListDto } from '../dto/service-account.dto';
import { ServiceAccountIdParam, ServiceAccountKeyIdParam } from '../service-account-ids';
import { ServiceAccountPermissions } from '../service-accounts.permissions';
import { ServiceAccountKeysService } from './service-account-keys.service';

@ApiTags('service-accounts')
@Controller('v1/service-accounts/:id/keys')
export class ServiceAccountKeysController {
  constructor(private readonly keys: ServiceAccountKeysService) {}

  @Access({ permissions: [ServiceAccountPermissions.write], errors: [404, 409, 422] })
  @Post()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'A new key: a key file made by the server (answered once), or your own public key (PEM or JWK)',
  })
  @ApiCreatedResponse({ type: CreatedServiceAccountKeyDto })
  create(
    @Principal() caller: Caller,
    @Param('id', ServiceAccountIdParam) accountId: string,
    @Body() dto: CreateServiceAccountKeyDto,
  ) {
    return this.keys.create(caller, accountId, dto);
  }

  @Access({ permissions: [ServiceAccountPermissions.read], errors: [404, 422] })
  @Get()
  @ApiOkResponse({ type: ServiceAccountKeyListDto })
  list(
    @Principal() caller: Caller,
    @Param('id', ServiceAccountIdParam) accountId: string,
    @Query() query: ListQueryDto,
  ) {
    return this.keys.list(caller, accountId, query);
  }

  @Access({ permissions: [ServiceAccountPermissions.write], errors: [404] })
  @Delete(':key_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke the key: its assertions and the access tokens it got stop working at once',
  })
  @ApiNoContentResponse()
  async revoke(
    @Principal() caller: Caller,
    @Param('id', ServiceAccountIdParam) accountId: string,
    @Param('key_id', ServiceAccountKeyIdParam) keyId: string,
  ) {
    await this.keys.revoke(caller, accountId, keyId);
  }
}

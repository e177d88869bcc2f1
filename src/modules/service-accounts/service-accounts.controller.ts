import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
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
import { Access, Principal } from '../../common/auth/decorators';
import type { Principal as Caller } from '../../common/auth/principal';
import { ListQueryDto } from '../../common/http/pagination';
import { CreateServiceAccountDto } from './dto/create-service-account.dto';
import {
  CreatedServiceAccountDto,
  ServiceAccountDto,
  ServiceAccountListDto,
} from './dto/service-account.dto';
import { UpdateServiceAccountDto } from './dto/update-service-account.dto';
import { ServiceAccountIdParam } from './service-account-ids';
import { ServiceAccountPermissions } from './service-accounts.permissions';
import { ServiceAccountsService } from './service-accounts.service';

@ApiTags('service-accounts')
@Controller('v1/service-accounts')
export class ServiceAccountsController {
  constructor(private readonly accounts: ServiceAccountsService) {}

  @Access({ permissions: [ServiceAccountPermissions.write], errors: [422] })
  @Post()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create a service account; its first key file (private key) is answered once',
  })
  @ApiCreatedResponse({ type: CreatedServiceAccountDto })
  create(@Principal() caller: Caller, @Body() dto: CreateServiceAccountDto) {
    return this.accounts.create(caller, dto);
  }

  @Access({ permissions: [ServiceAccountPermissions.read], errors: [422] })
  @Get()
  @ApiOkResponse({ type: ServiceAccountListDto })
  list(@Principal() caller: Caller, @Query() query: ListQueryDto) {
    return this.accounts.list(caller, query);
  }

  @Access({ permissions: [ServiceAccountPermissions.read], errors: [404] })
  @Get(':id')
  @ApiOkResponse({ type: ServiceAccountDto })
  get(@Principal() caller: Caller, @Param('id', ServiceAccountIdParam) id: string) {
    return this.accounts.get(caller, id);
  }

  @Access({ permissions: [ServiceAccountPermissions.write], errors: [404, 422] })
  @Patch(':id')
  @ApiOperation({ summary: 'Rename, describe, narrow its scopes, disable or enable it' })
  @ApiOkResponse({ type: ServiceAccountDto })
  update(
    @Principal() caller: Caller,
    @Param('id', ServiceAccountIdParam) id: string,
    @Body() dto: UpdateServiceAccountDto,
  ) {
    return this.accounts.update(caller, id, dto);
  }

  @Access({ permissions: [ServiceAccountPermissions.write], errors: [404] })
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete it with its keys; its access tokens and API keys stop working at once',
  })
  @ApiNoContentResponse()
  async delete(@Principal() caller: Caller, @Param('id', ServiceAccountIdParam) id: string) {
    await this.accounts.delete(caller, id);
  }
}

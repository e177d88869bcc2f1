import { Controller, Get, Header, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { actingOrganizationId } from '../../common/auth/authorization';
import { Permissions, Principal } from '../../common/auth/decorators';
import type { Principal as Caller } from '../../common/auth/principal';
import { ApiErrors } from '../../common/http/api-docs';
import { AuditLogService } from './audit-log.service';
import { AuditListDto, AuditListQueryDto, AuditVerifyDto } from './dto/audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@ApiSecurity('api_key')
@ApiHeader({ name: 'X-Organization-ID', required: false })
@ApiErrors(401, 403)
@Controller('v1/audit-logs')
export class AuditController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get()
  @Permissions('audit.read')
  @ApiOperation({
    summary: 'Security events of the organization, newest first (scope compliance:read)',
  })
  @ApiOkResponse({ type: AuditListDto })
  @ApiErrors(400, 422)
  list(@Principal() caller: Caller, @Query() query: AuditListQueryDto) {
    return this.auditLog.list(actingOrganizationId(caller), query);
  }

  @Get('export')
  @Permissions('audit.read')
  @Header('Content-Type', 'application/x-ndjson')
  @Header('Content-Disposition', 'attachment; filename="audit-log.ndjson"')
  @ApiOperation({ summary: 'The whole log as NDJSON, oldest first, streamed' })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'One event per line' })
  export(@Principal() caller: Caller) {
    return new StreamableFile(this.auditLog.export(actingOrganizationId(caller)));
  }

  @Get('verify')
  @Permissions('audit.read')
  @ApiOperation({ summary: 'Recompute the hash chain' })
  @ApiOkResponse({ type: AuditVerifyDto })
  verify(@Principal() caller: Caller) {
    return this.auditLog.verify(actingOrganizationId(caller));
  }
}

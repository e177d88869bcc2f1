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
import { Permissions, Principal, Scopes } from '../../common/auth/decorators';
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
// The contract's scope for every credential that carries scopes (an API key without it: "Missing
// scope: compliance:read"); a user also needs audit.read from their role (owner, admin), which a
// viewer's read scopes do not give.
@Scopes('compliance:read')
@Permissions('audit.read')
export class AuditController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get()
  @ApiOperation({
    summary:
      'Security events of the organization, newest first (scope compliance:read; users: audit.read)',
  })
  @ApiOkResponse({ type: AuditListDto })
  @ApiErrors(400, 422)
  list(@Principal() caller: Caller, @Query() query: AuditListQueryDto) {
    return this.auditLog.list(actingOrganizationId(caller), query);
  }

  @Get('export')
  @Header('Content-Type', 'application/x-ndjson')
  @Header('Content-Disposition', 'attachment; filename="audit-log.ndjson"')
  @ApiOperation({ summary: 'The whole log as NDJSON, oldest first, streamed' })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'One event per line' })
  export(@Principal() caller: Caller) {
    return new StreamableFile(this.auditLog.export(actingOrganizationId(caller)));
  }

  @Get('verify')
  @ApiOperation({ summary: 'Recompute the hash chain' })
  @ApiOkResponse({ type: AuditVerifyDto })
  verify(@Principal() caller: Caller) {
    return this.auditLog.verify(actingOrganizationId(caller));
  }
}

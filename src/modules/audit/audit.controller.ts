import { Controller, Get, Header, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { actingOrganizationId } from '../../common/auth/authorization';
import { Access, AccessOptions, Principal } from '../../common/auth/decorators';
import type { Principal as Caller } from '../../common/auth/principal';
import { AuditLogReader } from './audit-log-reader.service';
import { AuditPermissions } from './audit.permissions';
import { AuditEventDto, AuditListDto, AuditListQueryDto, AuditVerifyDto } from './dto/audit.dto';

/**
 * The contract's scope for every credential that carries scopes (an API key without it: "Missing
 * scope: compliance:read"); a user also needs audit.read from their role (owner, admin), which a
 * viewer's read scopes do not give.
 */
const READ_AUDIT_LOG = {
  scopes: ['compliance:read'],
  permissions: [AuditPermissions.read],
} satisfies AccessOptions;

@ApiTags('audit')
@Controller('v1/audit-logs')
export class AuditController {
  constructor(private readonly auditLog: AuditLogReader) {}

  @Access({ ...READ_AUDIT_LOG, errors: [422] })
  @Get()
  @ApiOperation({
    summary:
      'Security events of the organization, newest first (scope compliance:read; users: audit.read)',
  })
  @ApiOkResponse({ type: AuditListDto })
  list(@Principal() caller: Caller, @Query() query: AuditListQueryDto) {
    return this.auditLog.list(actingOrganizationId(caller), query);
  }

  @Access(READ_AUDIT_LOG)
  @Get('export')
  @Header('Content-Type', 'application/x-ndjson')
  @Header('Content-Disposition', 'attachment; filename="audit-log.ndjson"')
  @ApiOperation({ summary: 'The whole log as NDJSON, oldest first, streamed' })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    description: 'One AuditEvent per line, oldest first',
    content: { 'application/x-ndjson': { schema: { $ref: getSchemaPath(AuditEventDto) } } },
  })
  export(@Principal() caller: Caller) {
    return new StreamableFile(this.auditLog.export(actingOrganizationId(caller)));
  }

  @Access(READ_AUDIT_LOG)
  @Get('verify')
  @ApiOperation({ summary: 'Recompute the hash chain' })
  @ApiOkResponse({ type: AuditVerifyDto })
  verify(@Principal() caller: Caller) {
    return this.auditLog.verify(actingOrganizationId(caller));
  }
}

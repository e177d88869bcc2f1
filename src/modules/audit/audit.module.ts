import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditCheckpoint } from './audit-checkpoint.entity';
import { AuditController } from './audit.controller';
import { AuditEvent } from './audit-event.entity';
import { AuditLogService } from './audit-log.service';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { AuditWriter } from './audit-writer';

/** Global: every module records its security events through AuditService (health reads the writer). */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent, AuditCheckpoint])],
  controllers: [AuditController],
  providers: [AuditRepository, AuditWriter, AuditService, AuditLogService],
  exports: [AuditService, AuditLogService, AuditWriter],
})
export class AuditModule {}

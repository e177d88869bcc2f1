import { Global, Module } from '@nestjs/common';
import { AccessDeniedRecorder } from '../../common/auth/access-denied-recorder';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditAnchor } from './audit-anchor.entity';
import { AuditAnchorSigner } from './audit-anchor-signer';
import { AuditAnchoring } from './audit-anchoring';
import { AuditCheckpoint } from './audit-checkpoint.entity';
import { AuditController } from './audit.controller';
import { AuditEvent } from './audit-event.entity';
import { AuditLogService } from './audit-log.service';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { AuditVerifier } from './audit-verifier';
import { AuditWriter } from './audit-writer';

/** Global: every module records its security events through AuditService (health reads the writer). */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent, AuditCheckpoint, AuditAnchor])],
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditAnchorSigner,
    AuditAnchoring,
    AuditWriter,
    AuditVerifier,
    AuditService,
    AuditLogService,
    { provide: AccessDeniedRecorder, useExisting: AuditService },
  ],
  exports: [AuditService, AuditLogService, AuditWriter, AccessDeniedRecorder],
})
export class AuditModule {}

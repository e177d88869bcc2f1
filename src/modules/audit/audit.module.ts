import { Global, Module } from '@nestjs/common';
import { AccessDeniedRecorder } from '../../common/auth/access-denied-recorder';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditAnchor } from './audit-anchor.entity';
import { AuditAnchorSigner } from './audit-anchor-signer';
import { AuditAnchoring } from './audit-anchoring';
import { AuditCheckpoint } from './audit-checkpoint.entity';
import { AuditController } from './audit.controller';
import { AuditEvent } from './audit-event.entity';
import { AuditLogReader } from './audit-log-reader.service';
import { AuditRepository } from './audit.repository';
import { AuditRecorder } from './audit-recorder.service';
import { AuditVerifier } from './audit-verifier';
import { AuditWriter } from './audit-writer';

/** Global: every module records its security events through AuditRecorder (health reads the writer). */
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
    AuditRecorder,
    AuditLogReader,
    { provide: AccessDeniedRecorder, useExisting: AuditRecorder },
  ],
  exports: [AuditRecorder, AuditLogReader, AuditWriter, AccessDeniedRecorder],
})
export class AuditModule {}

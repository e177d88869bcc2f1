import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { BackgroundJobs } from '../../common/jobs/background-jobs';
import { ConfigService } from '@nestjs/config';
import { Readable } from 'node:stream';
import { BadRequestError } from '../../common/errors/api-errors';
import { DEFAULT_PAGE_SIZE, ListPage, toPage } from '../../common/http/pagination';
import { EnvironmentVariables } from '../../config/env.schema';
import { AuditAnchoring } from './audit-anchoring';
import { AuditEvent } from './audit-event.entity';
import { AuditRecorder } from './audit-recorder.service';
import { AuditVerifier } from './audit-verifier';
import { chainedFields, AuditWriter, readableMetadata } from './audit-writer';
import { AnchorMovedError, AuditRepository } from './audit.repository';
import { AuditEventDto, AuditListQueryDto, AuditVerifyDto } from './dto/audit.dto';

const BATCH = 500;
const DAY_MS = 86_400_000;
const PRUNE_INTERVAL_MS = 6 * 3_600_000;
/** How long a read waits for this instance's queued events of the organization to be stored. */
const READ_WAIT_MS = 3_000;

/** What clients see: exactly what the hash covers (less the internal chain id), and the hash. */
export function toAuditEventDto(event: AuditEvent): AuditEventDto {
  const { chain: _chain, ...fields } = chainedFields(event, readableMetadata);
  return { ...fields, hash: event.hash };
}

/** Reading, exporting, verifying and pruning an organization's audit chain. */
@Injectable()
export class AuditLogReader implements OnModuleInit {
  private readonly logger = new Logger(AuditLogReader.name);
  private readonly retentionDays: number;

  constructor(
    private readonly repository: AuditRepository,
    private readonly writer: AuditWriter,
    private readonly recorder: AuditRecorder,
    private readonly verifier: AuditVerifier,
    private readonly anchoring: AuditAnchoring,
    private readonly jobs: BackgroundJobs,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.retentionDays = config.get('AUDIT_RETENTION_DAYS', { infer: true });
  }

  onModuleInit(): void {
    this.jobs.every(PRUNE_INTERVAL_MS, 'Audit retention pruning failed', () => this.prune(), {
      runSoonAfterStart: true,
      longQueries: true,
    });
  }

  async list(organizationId: string, query: AuditListQueryDto): Promise<ListPage<AuditEventDto>> {
    await this.recordedSoFar(organizationId);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const since = query.since ? new Date(query.since) : undefined;
    const until = query.until ? new Date(query.until) : undefined;
    if (since && until && since > until) throw new BadRequestError('since must be before until');
    const rows = await this.repository.list(
      organizationId,
      {
        action: query.action,
        actorId: query.actor_id,
        targetId: query.target_id,
        outcome: query.outcome,
        since,
        until,
      },
      limit,
      query.starting_after,
    );
    return toPage(rows, limit, toAuditEventDto);
  }

  /** The whole chain, oldest first, one JSON object a line; read in batches, never all at once. */
  export(organizationId: string): Readable {
    const repository = this.repository;
    const recordedSoFar = () => this.recordedSoFar(organizationId);
    async function* lines(): AsyncGenerator<string> {
      await recordedSoFar();
      // From where retention left the chain: rows at or below it are none of the server's.
      let afterSeq = (await repository.checkpoint(organizationId))?.lastPrunedSeq ?? 0;
      for (;;) {
        const batch = await repository.batch(organizationId, afterSeq, BATCH);
        if (batch.length === 0) return;
        yield batch.map((event) => JSON.stringify(toAuditEventDto(event)) + '\n').join('');
        afterSeq = batch[batch.length - 1].seq;
      }
    }
    return Readable.from(lines(), { objectMode: false });
  }

  /** Recomputes the chain and checks it against its anchor (AuditVerifier). */
  async verify(organizationId: string): Promise<AuditVerifyDto> {
    await this.recordedSoFar(organizationId);
    return this.verifier.verify(organizationId);
  }

  /** What this instance recorded in the organization, counts included, is readable at once. */
  private async recordedSoFar(organizationId: string): Promise<void> {
    this.recorder.flushCounted(organizationId);
    await this.writer.settle(organizationId, READ_WAIT_MS);
  }

  /**
   * Retention: removes each chain's events older than AUDIT_RETENTION_DAYS, as a whole oldest
   * prefix, after storing a checkpoint (the last removed seq and hash) that `verify` starts from.
   */
  async prune(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.retentionDays * DAY_MS);
    let removed = 0;
    for (const chain of await this.repository.chainsWithEventsBefore(cutoff)) {
      removed += await this.prunePrefix(chain, cutoff);
    }
    if (removed > 0)
      this.logger.log(
        `Audit retention removed ${removed} events older than ${cutoff.toISOString()}`,
      );
    return removed;
  }

  /**
   * One chain's prefix, its anchor's start moved with it (retried if a write moved the anchor).
   * Only a chain that verifies: the cut is chosen by the events' stored times, and the anchor's
   * new start is signed over what is there, so pruning a tampered chain would delete the
   * evidence (an event's time set back makes everything up to it "old") and sign the rest valid.
   */
  private async prunePrefix(chain: string, cutoff: Date): Promise<number> {
    const check = await this.verifier.verify(chain);
    if (!check.valid) {
      this.logger.error(
        { chain, reason: check.reason, first_broken_id: check.first_broken_id },
        'Audit retention skipped a chain that does not verify: nothing removed',
      );
      return 0;
    }
    for (let attempt = 1; ; attempt++) {
      const last = await this.repository.lastEventBefore(chain, cutoff);
      if (!last) return 0;
      const anchor = await this.repository.anchor(chain);
      const move = this.anchoring.moveStart(chain, anchor, { seq: last.seq, hash: last.hash });
      try {
        return await this.repository.prunePrefix(chain, last, move ?? undefined);
      } catch (error) {
        if (!(error instanceof AnchorMovedError) || attempt >= 3) throw error;
      }
    }
  }
}

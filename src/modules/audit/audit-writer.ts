import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { isUniqueViolation } from '../../database/errors';
import { AuditEvent } from './audit-event.entity';
import { ChainedFields, eventHash, GENESIS_HASH } from './audit-chain';
import { AuditRepository } from './audit.repository';

/** An event as recorded, before it has a place in its chain. */
export type PendingAuditEvent = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;

const MAX_BACKOFF_MS = 30_000;

/**
 * Appends events to their organization's hash chain.
 *
 * Chains never fork: events of one chain are written one after another on this instance (a
 * promise queue per chain), and across instances the unique (chain, seq) index makes the loser
 * of a race re-read the head and try again.
 *
 * Failure policy: queue and retry. `record` never fails the caller's action; an event whose write
 * fails stays queued and is retried with backoff until it is written (logged at each failure),
 * and shutdown waits for the queue. What is lost: events still queued if the process is killed.
 */
@Injectable()
export class AuditWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(AuditWriter.name);
  private readonly tails = new Map<string, Promise<void>>();
  private pending = 0;

  constructor(private readonly repository: AuditRepository) {}

  enqueue(event: PendingAuditEvent): void {
    this.pending += 1;
    const tail = (this.tails.get(event.chain) ?? Promise.resolve())
      .then(() => this.writeUntilStored(event))
      .finally(() => {
        this.pending -= 1;
        if (this.tails.get(event.chain) === tail) this.tails.delete(event.chain);
      });
    this.tails.set(event.chain, tail);
  }

  /** Resolves once every event recorded so far, in every chain, is stored (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  /**
   * Waits for the events this instance has queued in one chain so far, so a read sees them, but
   * never longer than `maxWaitMs`: other tenants' traffic never delays it, and while the
   * database refuses writes a read answers with what is stored rather than hang.
   */
  async settle(chain: string, maxWaitMs: number): Promise<void> {
    const tail = this.tails.get(chain);
    if (!tail) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      tail,
      new Promise((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.race([
      this.drain(),
      new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
    ]);
    if (this.pending > 0)
      this.logger.error(`${this.pending} audit events could not be written before shutdown`);
  }

  private async writeUntilStored(event: PendingAuditEvent): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.append(event);
        return;
      } catch (error) {
        if (isUniqueViolation(error)) continue; // another instance took this seq: re-read the head
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 10));
        this.logger.error(
          { err: error, event_id: event.id, action: event.action },
          `Audit write failed; retrying in ${delay} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async append(event: PendingAuditEvent): Promise<void> {
    const head =
      (await this.repository.head(event.chain)) ?? (await this.checkpointHead(event.chain));
    const seq = head.seq + 1;
    const prevHash = head.hash;
    const hash = eventHash(chainedFields({ ...event, seq, prevHash }));
    await this.repository.append({ ...event, seq, prevHash, hash });
  }

  private async checkpointHead(chain: string): Promise<{ seq: number; hash: string }> {
    const checkpoint = await this.repository.checkpoint(chain);
    return checkpoint
      ? { seq: checkpoint.lastPrunedSeq, hash: checkpoint.lastPrunedHash }
      : { seq: 0, hash: GENESIS_HASH };
  }
}

/** What the hash covers, from a stored (or about to be stored) event. */
export function chainedFields(event: Omit<AuditEvent, 'hash'>): ChainedFields {
  return {
    id: event.id,
    chain: event.chain,
    seq: event.seq,
    occurred_at: event.occurredAt.toISOString(),
    organization_id: event.organizationId,
    actor: {
      type: event.actorType,
      id: event.actorId,
      ip: event.actorIp,
      user_agent: event.actorUserAgent,
    },
    action: event.action,
    target: { type: event.targetType, id: event.targetId },
    outcome: event.outcome,
    request_id: event.requestId,
    metadata: JSON.parse(event.metadata) as Record<string, unknown>,
    prev_hash: event.prevHash,
  };
}

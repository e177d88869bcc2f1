import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, LessThan, LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { AuditAnchor } from './audit-anchor.entity';
import { AuditCheckpoint } from './audit-checkpoint.entity';
import { AuditEvent } from './audit-event.entity';

export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetId?: string;
  outcome?: string;
  since?: Date;
  until?: Date;
}

/**
 * A chain's anchor replaced by `next`, provided it is still `previous` (null: the chain has none
 * yet): compare-and-set, so an anchor never moves from a state its writer did not check.
 */
export interface AnchorMove {
  previous: AuditAnchor | null;
  next: AuditAnchor;
}

/** The anchor was changed by someone else between reading and replacing it: read and try again. */
export class AnchorMovedError extends Error {
  constructor(chain: string) {
    super(`The audit anchor of ${chain} changed meanwhile`);
  }
}

/**
 * The audit tables. There is deliberately no method that updates an event; the only delete is
 * retention's removal of a chain's oldest prefix, after its checkpoint is stored.
 */
@Injectable()
export class AuditRepository {
  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    @InjectRepository(AuditCheckpoint) private readonly checkpoints: Repository<AuditCheckpoint>,
    @InjectRepository(AuditAnchor) private readonly anchors: Repository<AuditAnchor>,
  ) {}

  /**
   * Consecutive events of one chain, in one INSERT, and the anchor moved to their newest in the
   * same transaction: all stored or none. Without `anchor` (a chain whose anchor no longer matches
   * it, kept as evidence) the events alone.
   */
  async appendAll(events: AuditEvent[], anchor?: AnchorMove): Promise<void> {
    if (!anchor) {
      await this.events.insert(events);
      return;
    }
    await this.events.manager.transaction(async (manager) => {
      await manager.insert(AuditEvent, events);
      await moveAnchor(manager, anchor);
    });
  }

  anchor(chain: string): Promise<AuditAnchor | null> {
    return this.anchors.findOneBy({ chain });
  }

  /** Whether the event with this id is stored (a write whose answer was lost may have been). */
  isStored(id: string): Promise<boolean> {
    return this.events.existsBy({ id });
  }

  /** The event at `seq` of a chain, if it is there. */
  eventAt(chain: string, seq: number): Promise<AuditEvent | null> {
    return this.events.findOneBy({ chain, seq });
  }

  /** The newest event of a chain: where the next one attaches. */
  head(chain: string): Promise<Pick<AuditEvent, 'seq' | 'hash'> | null> {
    return this.events.findOne({
      select: { seq: true, hash: true },
      where: { chain },
      order: { seq: 'DESC' },
    });
  }

  checkpoint(chain: string): Promise<AuditCheckpoint | null> {
    return this.checkpoints.findOneBy({ chain });
  }

  /** Newest first; `limit + 1` rows. */
  list(
    organizationId: string,
    filter: AuditFilter,
    limit: number,
    startingAfter?: string,
  ): Promise<AuditEvent[]> {
    const query = this.events
      .createQueryBuilder('e')
      .where('e.organization_id = :organizationId', { organizationId })
      .orderBy('e.id', 'DESC')
      .take(limit + 1);
    if (startingAfter) query.andWhere('e.id < :after', { after: startingAfter });
    if (filter.action) query.andWhere('e.action = :action', { action: filter.action });
    if (filter.actorId) query.andWhere('e.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.targetId) query.andWhere('e.target_id = :targetId', { targetId: filter.targetId });
    if (filter.outcome) query.andWhere('e.outcome = :outcome', { outcome: filter.outcome });
    if (filter.since) query.andWhere('e.occurred_at >= :since', { since: filter.since });
    if (filter.until) query.andWhere('e.occurred_at <= :until', { until: filter.until });
    return query.getMany();
  }

  /** One batch of a chain in order, after `afterSeq`: export and verify walk chains with it. */
  batch(chain: string, afterSeq: number, size: number): Promise<AuditEvent[]> {
    return this.events.find({
      where: { chain, seq: MoreThan(afterSeq) },
      order: { seq: 'ASC' },
      take: size,
    });
  }

  /** The newest event of `chain` older than `cutoff`. */
  async lastEventBefore(chain: string, cutoff: Date): Promise<AuditEvent | null> {
    return this.events.findOne({
      where: { chain, occurredAt: LessThan(cutoff) },
      order: { seq: 'DESC' },
    });
  }

  async chainsWithEventsBefore(cutoff: Date): Promise<string[]> {
    const rows: { chain: string }[] = await this.events
      .createQueryBuilder('e')
      .select('DISTINCT e.chain', 'chain')
      .where('e.occurred_at < :cutoff', { cutoff })
      .getRawMany();
    return rows.map((r) => r.chain);
  }

  /**
   * Retention: store the checkpoint, then remove the chain's events up to and including it, and
   * move the anchor's start there (when given) in the same transaction.
   */
  async prunePrefix(
    chain: string,
    upTo: Pick<AuditEvent, 'seq' | 'hash'>,
    anchor?: AnchorMove,
  ): Promise<number> {
    return this.events.manager.transaction(async (manager) => {
      await manager.upsert(
        AuditCheckpoint,
        { chain, lastPrunedSeq: upTo.seq, lastPrunedHash: upTo.hash, prunedAt: new Date() },
        ['chain'],
      );
      const result = await manager.delete(AuditEvent, { chain, seq: LessThanOrEqual(upTo.seq) });
      if (anchor) await moveAnchor(manager, anchor);
      return result.affected ?? 0;
    });
  }
}

async function moveAnchor(manager: EntityManager, { previous, next }: AnchorMove): Promise<void> {
  if (!previous) {
    await manager.insert(AuditAnchor, next); // a concurrent first anchor: unique violation, retried
    return;
  }
  const { chain, ...fields } = next;
  const moved = await manager.update(AuditAnchor, { chain, hmac: previous.hmac }, fields);
  if (!moved.affected) throw new AnchorMovedError(chain);
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, LessThanOrEqual, MoreThan, Repository } from 'typeorm';
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
 * The audit tables. There is deliberately no method that updates an event; the only delete is
 * retention's removal of a chain's oldest prefix, after its checkpoint is stored.
 */
@Injectable()
export class AuditRepository {
  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    @InjectRepository(AuditCheckpoint) private readonly checkpoints: Repository<AuditCheckpoint>,
  ) {}

  /** Consecutive events of one chain, in one INSERT: all stored or none. */
  async appendAll(events: AuditEvent[]): Promise<void> {
    await this.events.insert(events);
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

  /** Chains with events older than the cutoff, and the newest such event of each. */
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

  /** Retention: store the checkpoint, then remove the chain's events up to and including it. */
  async prunePrefix(chain: string, upTo: Pick<AuditEvent, 'seq' | 'hash'>): Promise<number> {
    return this.events.manager.transaction(async (manager) => {
      await manager.upsert(
        AuditCheckpoint,
        { chain, lastPrunedSeq: upTo.seq, lastPrunedHash: upTo.hash, prunedAt: new Date() },
        ['chain'],
      );
      const result = await manager.delete(AuditEvent, { chain, seq: LessThanOrEqual(upTo.seq) });
      return result.affected ?? 0;
    });
  }
}

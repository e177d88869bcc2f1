import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  EntityManager,
  LessThan,
  LessThanOrEqual,
  MoreThan,
  QueryResult,
  Repository,
} from 'typeorm';
import { transactionAlone } from '../../database/transactions';
import { AuditAnchor } from './audit-anchor.entity';
import type { ChainPoint } from './audit-anchor-signer';
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
  /**
   * The event the batch is chained onto, when the writer knows it from its own last write instead
   * of reading it: the anchor moves only if that event is still stored as it was.
   */
  onto?: ChainPoint;
}

/**
 * The anchor was changed by someone else between reading and replacing it, or the event the
 * batch is chained onto is gone: read and try again.
 */
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
   * it, kept as evidence) the events alone. Alone on SQLite (transactionAlone), as every write
   * here: several chains' writers run at once, and on TypeORM's one SQLite connection a write
   * made while another's transaction is open joins it, and is rolled back with it.
   */
  async appendAll(events: AuditEvent[], anchor?: AnchorMove): Promise<void> {
    await transactionAlone(this.events.manager, async (manager) => {
      await this.insertEvents(manager, events);
      if (anchor) await this.moveAnchor(manager, anchor);
    });
  }

  /**
   * One multi-row INSERT, its SQL made once per row count and each value converted by the
   * driver as TypeORM's insert would: the query builder's per-parameter bookkeeping cost more
   * than the write itself (a token endpoint audits every issuance; issue #14's bench).
   */
  private async insertEvents(manager: EntityManager, events: AuditEvent[]): Promise<void> {
    const { driver } = manager.connection;
    const columns = this.events.metadata.columns;
    const values: unknown[] = [];
    for (const event of events) {
      for (const column of columns) {
        values.push(driver.preparePersistentValue(column.getEntityValue(event), column));
      }
    }
    await manager.query(this.insertSql(events.length), values);
  }

  private readonly insertSqlByRows = new Map<number, string>();

  private insertSql(rows: number): string {
    let sql = this.insertSqlByRows.get(rows);
    if (!sql) {
      const { driver } = this.events.manager.connection;
      const { tableName, columns } = this.events.metadata;
      const row = `(${columns.map(() => '?').join(', ')})`;
      sql =
        `INSERT INTO ${driver.escape(tableName)} ` +
        `(${columns.map((column) => driver.escape(column.databaseName)).join(', ')}) ` +
        `VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
      this.insertSqlByRows.set(rows, sql);
    }
    return sql;
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
    // The organization's chain past what retention removed: what verify walks. A row claiming
    // the organization outside it (another chain, a seq at or below the checkpoint) was put
    // there around the server; verify reports it (out_of_chain), the list does not show it.
    const query = this.events
      .createQueryBuilder('e')
      .where('e.organization_id = :organizationId AND e.chain = :organizationId', {
        organizationId,
      })
      .andWhere(
        'e.seq > COALESCE((SELECT c.last_pruned_seq FROM audit_checkpoints c WHERE c.chain = :organizationId), 0)',
      )
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

  /**
   * A row of the organization that no walk of its chain reaches: in another chain, or at or
   * below the seq retention removed up to. Written by the server, none exists.
   */
  async outOfChain(organizationId: string, lastPrunedSeq: number): Promise<AuditEvent | null> {
    return this.events
      .createQueryBuilder('e')
      .where('e.organization_id = :organizationId', { organizationId })
      .andWhere('(e.chain <> :organizationId OR e.seq <= :lastPrunedSeq)', { lastPrunedSeq })
      .orderBy('e.id', 'ASC')
      .getOne();
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
    return transactionAlone(this.events.manager, async (manager) => {
      await manager.upsert(
        AuditCheckpoint,
        { chain, lastPrunedSeq: upTo.seq, lastPrunedHash: upTo.hash, prunedAt: new Date() },
        ['chain'],
      );
      const result = await manager.delete(AuditEvent, { chain, seq: LessThanOrEqual(upTo.seq) });
      if (anchor) await this.moveAnchor(manager, anchor);
      return result.affected ?? 0;
    });
  }

  /**
   * Compare-and-set: the anchor becomes `next` only if it is still `previous` (its HMAC covers
   * every field but anchored_at) and, given `onto`, that event is still stored. A raw UPDATE
   * made once, as insertEvents: TypeORM's update builder cost more than the statement (issue
   * #14). In a transaction (its query runner reports the rows changed, whatever the driver).
   */
  private async moveAnchor(manager: EntityManager, move: AnchorMove): Promise<void> {
    const { previous, next, onto } = move;
    if (!previous) {
      await manager.insert(AuditAnchor, next); // a concurrent first anchor: unique violation, retried
      return;
    }
    const { driver } = manager.connection;
    const values: unknown[] = [];
    for (const column of this.anchorFields()) {
      values.push(driver.preparePersistentValue(column.getEntityValue(next), column));
    }
    values.push(next.chain, previous.hmac);
    if (onto) values.push(next.chain, onto.seq, onto.hash);
    const sql = this.moveSql(onto !== undefined);
    const result = (await manager.queryRunner!.query(sql, values, true)) as QueryResult;
    if (!result.affected) throw new AnchorMovedError(next.chain);
  }

  /** The anchor's columns that a move sets: all but the chain. */
  private anchorFields() {
    return this.anchors.metadata.columns.filter((column) => !column.isPrimary);
  }

  /** The anchor's UPDATE, made once: plain, and with the event chained onto still stored. */
  private moveSqls?: { plain: string; onto: string };

  private moveSql(onto: boolean): string {
    if (!this.moveSqls) {
      const { driver } = this.anchors.manager.connection;
      const name = (identifier: string) => driver.escape(identifier);
      const set = this.anchorFields()
        .map((column) => `${name(column.databaseName)} = ?`)
        .join(', ');
      const plain =
        `UPDATE ${name(this.anchors.metadata.tableName)} SET ${set} ` +
        `WHERE ${name('chain')} = ? AND ${name('hmac')} = ?`;
      const stored =
        `SELECT 1 FROM ${name(this.events.metadata.tableName)} ` +
        `WHERE ${name('chain')} = ? AND ${name('seq')} = ? AND ${name('hash')} = ?`;
      this.moveSqls = { plain, onto: `${plain} AND EXISTS (${stored})` };
    }
    return onto ? this.moveSqls.onto : this.moveSqls.plain;
  }
}

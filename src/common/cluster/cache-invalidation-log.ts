import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import type { Invalidation } from './cache-invalidation.bus';
import { CacheInvalidationRecord } from './cache-invalidation-record.entity';

export interface LoggedInvalidation {
  seq: number;
  /** An Invalidation as JSON, parsed by the reader (a malformed one is skipped, not fatal). */
  event: string;
}

/** The `cache_invalidations` table: every instance appends its changes and reads the others'. */
@Injectable()
export class CacheInvalidationLog {
  constructor(
    @InjectRepository(CacheInvalidationRecord)
    private readonly records: Repository<CacheInvalidationRecord>,
  ) {}

  /** Logs `event`; answers its sequence number. */
  async append(event: Invalidation): Promise<number> {
    const result = await this.records.insert({
      event: JSON.stringify(event),
      createdAt: new Date(),
    });
    return Number(result.identifiers[0].seq);
  }

  /** The newest sequence number, 0 for an empty log. */
  async newestSeq(): Promise<number> {
    const row = await this.records
      .createQueryBuilder('i')
      .select('MAX(i.seq)', 'seq')
      .getRawOne<{ seq: number | string | null }>();
    return Number(row?.seq ?? 0);
  }

  /**
   * Up to `limit` entries after `after`, and those of the `missing` numbers now there, in order.
   * The primary key's range: cheap when there is nothing new, as nearly always.
   */
  async read(
    after: number,
    missing: readonly number[],
    limit: number,
  ): Promise<LoggedInvalidation[]> {
    const query = this.records
      .createQueryBuilder('i')
      .where('i.seq > :after', { after })
      .orderBy('i.seq', 'ASC')
      .limit(limit);
    if (missing.length > 0) query.orWhere('i.seq IN (:...missing)', { missing });
    const rows = await query.getMany();
    return rows.map((row) => ({ seq: Number(row.seq), event: row.event }));
  }

  /** Removes entries older than `before`; answers how many. */
  async pruneBefore(before: Date): Promise<number> {
    const result = await this.records.delete({ createdAt: LessThan(before) });
    return result.affected ?? 0;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, IsNull, Repository } from 'typeorm';
import { isUniqueViolation } from '../../../database/errors';
import { transactionAlone } from '../../../database/transactions';
import { ApiKey } from '../api-key.entity';
import { LeakReportReceipt } from './leak-report-receipt.entity';

/** What a leak report reads of a key it matched. */
export type LeakedKeyRow = Pick<
  ApiKey,
  'id' | 'organizationId' | 'keyHash' | 'name' | 'start' | 'revokedAt' | 'leakReportedAt'
>;

/** The API key rows a leaked-key report reads and marks. */
@Injectable()
export class LeakedKeysRepository {
  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @InjectRepository(LeakReportReceipt)
    private readonly receipts: Repository<LeakReportReceipt>,
  ) {}

  /**
   * The keys with these keyed hashes, across organizations: a report names secrets, not
   * organizations (like the authentication look-up by hash). One query for the whole report,
   * whatever its tokens are, so a token that matches nothing costs what one that matches does.
   */
  findByHashes(keyHashes: string[]): Promise<LeakedKeyRow[]> {
    const unique = [...new Set(keyHashes)];
    if (unique.length === 0) return Promise.resolve([]);
    return this.keys.find({
      select: {
        id: true,
        organizationId: true,
        keyHash: true,
        name: true,
        start: true,
        revokedAt: true,
        leakReportedAt: true,
      },
      where: { keyHash: In(unique) },
    });
  }

  /**
   * Acts on a report once: notes its digest and marks each key reported leaked (the first
   * report's time stays), revoking those with `revoke` unless revoked already, in one
   * transaction. Answers, per key, whether this call revoked it; null when a report of these
   * bytes was acted on before (by this instance or another, even at this moment): nothing done.
   */
  async markLeakedOnce(
    report: { digest: string; reporterKeyId: string },
    keys: { organizationId: string; id: string; revoke: boolean }[],
    at: Date,
  ): Promise<boolean[] | null> {
    try {
      return await transactionAlone(this.keys.manager, async (manager) => {
        await manager.insert(LeakReportReceipt, { ...report, receivedAt: at });
        const revoked: boolean[] = [];
        for (const key of keys) revoked.push(await markLeaked(manager, key, at));
        return revoked;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }
}

/**
 * Each change is one conditional UPDATE, so two reports racing revoke the key once: true for the
 * call that did.
 */
async function markLeaked(
  manager: EntityManager,
  { organizationId, id, revoke }: { organizationId: string; id: string; revoke: boolean },
  at: Date,
): Promise<boolean> {
  let revoked = false;
  if (revoke) {
    const result = await manager.update(
      ApiKey,
      { organizationId, id, revokedAt: IsNull() },
      { revokedAt: at },
    );
    revoked = result.affected === 1;
  }
  await manager.update(
    ApiKey,
    { organizationId, id, leakReportedAt: IsNull() },
    { leakReportedAt: at },
  );
  return revoked;
}

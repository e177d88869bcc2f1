import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import { isUniqueViolation } from '../../../database/errors';
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

  /** Whether a report with this digest was acted on before. */
  wasReceived(digest: string): Promise<boolean> {
    return this.receipts.exists({ where: { digest } });
  }

  /** Notes a report as acted on; one a concurrent copy noted first is noted already. */
  async noteReceived(digest: string, reporterKeyId: string, at: Date): Promise<void> {
    try {
      await this.receipts.insert({ digest, reporterKeyId, receivedAt: at });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }

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
   * Marks the key reported leaked (the first report's time stays) and, with `revoke`, revokes
   * it unless it is revoked already. Each change is one conditional UPDATE, so two reports racing
   * revoke the key once: true for the call that did.
   */
  async markLeaked(
    organizationId: string,
    id: string,
    at: Date,
    revoke: boolean,
  ): Promise<{ revoked: boolean }> {
    let revoked = false;
    if (revoke) {
      const result = await this.keys.update(
        { organizationId, id, revokedAt: IsNull() },
        { revokedAt: at },
      );
      revoked = result.affected === 1;
    }
    await this.keys.update(
      { organizationId, id, leakReportedAt: IsNull() },
      { leakReportedAt: at },
    );
    return { revoked };
  }
}

import { Injectable } from '@nestjs/common';
import { actingOrganizationId } from '../../common/auth/authorization';
import type { Principal } from '../../common/auth/principal';
import { BadRequestError, NotFoundError } from '../../common/errors/api-errors';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKeysRepository } from './api-keys.repository';
import { UsageDto, UsageQueryDto } from './dto/api-key.dto';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A key's requests by outcome per hour or day, as GET /v1/api-keys/:id/usage shows them. */
@Injectable()
export class ApiKeyUsageService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly usage: ApiKeyUsageRecorder,
  ) {}

  async usageOf(caller: Principal, id: string, query: UsageQueryDto): Promise<UsageDto> {
    // Written first, so the counts and last_used include what this instance has not flushed yet.
    await this.usage.flush();
    const key = await this.keys.findInOrganization(actingOrganizationId(caller), id);
    if (!key) throw new NotFoundError('API key not found');
    const granularity = query.granularity ?? 'hour';
    const until = query.until ? new Date(query.until) : new Date();
    const since = query.since
      ? new Date(query.since)
      : new Date(until.getTime() - (granularity === 'hour' ? DAY_MS : 30 * DAY_MS));
    if (since > until) throw new BadRequestError('since must be before until');
    const hours = await this.keys.listUsage(
      key.organizationId,
      key.id,
      new Date(since.getTime() - (since.getTime() % HOUR_MS)),
      until,
    );
    const periods = new Map<number, { requests: number; rejected: number; failed: number }>();
    for (const hour of hours) {
      const start = hour.periodStart.getTime();
      const period = granularity === 'day' ? start - (start % DAY_MS) : start;
      const sum = periods.get(period) ?? { requests: 0, rejected: 0, failed: 0 };
      sum.requests += hour.requests;
      sum.rejected += hour.rejected;
      sum.failed += hour.failed;
      periods.set(period, sum);
    }
    return {
      data: [...periods].map(([start, sum]) => ({
        period_start: new Date(start).toISOString(),
        ...sum,
      })),
      last_used: key.lastUsedAt?.toISOString() ?? null,
      last_ip: key.lastIp,
    };
  }
}

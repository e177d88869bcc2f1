import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { RedisConnections } from '../../common/cluster/redis-connections';
import { Clock } from '../../common/time/clock';
import { countOf, slotOf, WindowCount, WindowLimit } from './calendar-window';
import { FixedWindowMemoryStorage } from './fixed-window-memory.storage';
import { RedisWindowCounters } from './redis-window-counters';

/**
 * The rate-limit storage (ThrottlerModule's): counters in Redis, shared by every instance, while it
 * is reachable, and in this instance's memory otherwise, so a Redis failure never fails a request.
 * Windows are read from `clock` (Redis is handed each counter's time left, never asked its own
 * TIME), so every user of the storage (rate limits, failure locks) shares the one clock tests move.
 */
export class ResilientThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(ResilientThrottlerStorage.name);
  private readonly shared: RedisWindowCounters | null;
  private readonly local = new FixedWindowMemoryStorage();
  private lastFailureLoggedAt = 0;

  constructor(
    private readonly redis: RedisConnections,
    readonly clock: Clock,
  ) {
    this.shared = redis.commands ? new RedisWindowCounters(redis.commands) : null;
  }

  /**
   * Counts one request against each limit, all or nothing (refused requests use up no quota). In
   * memory it is synchronous, as it runs on every authenticated request: +7% req/s on the JWT row
   * (docs/performance.md). With Redis, all of them in one round trip.
   */
  count(
    limits: readonly WindowLimit[],
    now = this.clock.now(),
  ): WindowCount[] | Promise<WindowCount[]> {
    if (this.shared && this.redis.isReady()) return this.countShared(this.shared, limits, now);
    return this.local.countRequest(limits, now);
  }

  /**
   * @nestjs/throttler's interface, which ThrottlerModule requires of its storage. Tessera calls
   * `count`; this is the same counter for anyone who registers a ThrottlerGuard: one calendar
   * window of `ttl` ms per key and throttler name, refused hits counted nowhere.
   */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const [counted] = await this.count([
      { name: throttlerName, tracker: key, limit, windowMs: ttl },
    ]);
    const timeToExpire = Math.max(0, Math.ceil((counted.resetsAt - this.clock.now()) / 1000));
    return {
      totalHits: counted.totalHits,
      timeToExpire,
      isBlocked: counted.blocked,
      timeToBlockExpire: counted.blocked ? timeToExpire : 0,
    };
  }

  private async countShared(
    shared: RedisWindowCounters,
    limits: readonly WindowLimit[],
    now: number,
  ): Promise<WindowCount[]> {
    const slots = limits.map((limit) => slotOf(limit, now));
    try {
      const { refused, counters } = await shared.countRequest(
        slots.map((slot) => slot.key),
        slots.map((slot) => slot.ttlMs),
        limits.map((limit) => limit.limit),
      );
      return limits.map((limit, i) =>
        countOf(counters[i].hits, limit.limit, slots[i].resetsAt, refused),
      );
    } catch (error) {
      this.logFailure(error);
      return this.local.countRequest(limits, this.clock.now());
    }
  }

  /** Paces log lines in real time, whatever the clock of the windows says. */
  private logFailure(error: unknown): void {
    if (Date.now() - this.lastFailureLoggedAt > 10_000) {
      this.lastFailureLoggedAt = Date.now();
      this.logger.warn({ err: error }, 'Redis rate-limit counter failed; counting locally');
    }
  }
}

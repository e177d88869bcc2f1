import { Injectable, Logger } from '@nestjs/common';
import type { SpentCredit } from '../../../common/auth/principal';
import { RedisConnections } from '../../../common/cluster/redis-connections';
import {
  NoRemainingCreditsError,
  ServiceUnavailableError,
} from '../../../common/errors/api-errors';
import { Clock } from '../../../common/time/clock';
import { ApiKeyCreditsRecorder } from './api-key-credits.recorder';
import { balanceAt } from './credit-refill';
import { KeyCredits, keyCreditsOf, refillOf, StoredCredits } from './key-credits';
import { RedisCreditCounters } from './redis-credit-counters';

/** A balance counted in this instance's memory (no Redis). */
interface LocalBalance {
  version: number;
  remaining: number;
  setAt: number;
}

/** What a key's balance stands at now, for reading (GET /v1/api-keys). */
export interface CreditBalance {
  remaining: number;
  /** When it was set: created, updated, or the start of the refill period that refilled it. */
  setAt: number;
}

const NO_CREDITS = new NoRemainingCreditsError(null);
/** Credits are refused rather than counted apart while the shared count is out of reach. */
const UNAVAILABLE = new ServiceUnavailableError();

/**
 * API keys' usage credits (Unkey's `remaining`), spent one per request the key is let through
 * for. With REDIS_URL the balance is one Redis hash every instance spends from, atomically
 * (RedisCreditCounters); without it, a map in this instance's memory, spent synchronously. Each
 * counter is seeded from the database the first time its key is seen, or when its balance was
 * updated since (a newer version), and what is spent is written back behind
 * (ApiKeyCreditsRecorder), so a restart hands out no credits twice.
 *
 * Fail closed: while Redis is configured but out of reach, a key with credits gets 503 (a key
 * without is never touched). Counting in each instance's memory meanwhile would let every
 * instance hand out the whole balance again.
 */
@Injectable()
export class ApiKeyCredits {
  private readonly logger = new Logger(ApiKeyCredits.name);
  private readonly shared: RedisCreditCounters | null;
  private readonly local = new Map<string, LocalBalance>();
  private lastFailureLoggedAt = 0;

  constructor(
    private readonly redis: RedisConnections,
    private readonly recorder: ApiKeyCreditsRecorder,
    private readonly clock: Clock,
  ) {
    this.shared = redis.commands ? new RedisCreditCounters(redis.commands) : null;
  }

  /**
   * One credit of the key's balance: the balance it left, or null when none was left. In memory
   * synchronous; with Redis one round trip; Redis out of reach: 503.
   */
  spend(credits: KeyCredits): SpentCredit | null | Promise<SpentCredit | null> {
    const now = this.clock.now();
    if (this.shared === null) return this.spendHere(credits, now);
    if (!this.redis.isReady()) return Promise.reject(UNAVAILABLE);
    return this.spendShared(this.shared, credits, now);
  }

  /** The 429 of a key with nothing left: Retry-After when a refill will come. */
  refusal(credits: KeyCredits): NoRemainingCreditsError {
    if (credits.refill === null) return NO_CREDITS;
    const now = this.clock.now();
    return new NoRemainingCreditsError((credits.refill.nextRefillAt(now) - now) / 1000);
  }

  /** The spends already given back: a request's spend is one object, dropped with it. */
  private readonly refunded = new WeakSet<SpentCredit>();

  /**
   * Gives back the credit a request spent when it was refused after all (rate limit, scope), unless
   * the balance was updated or refilled meanwhile.
   */
  refund(spent: SpentCredit): void {
    // Once per request, whichever steps refuse it (a guard refusal that then fails with a 5xx
    // would otherwise give the credit back twice).
    if (this.refunded.has(spent)) return;
    this.refunded.add(spent);
    if (this.shared === null) {
      const balance = this.local.get(spent.counterId);
      if (balance?.version !== spent.version || balance.setAt !== spent.period) return;
      balance.remaining += 1;
      this.recorder.record(spent.counterId, spent.version, spent.period, -1);
      return;
    }
    if (!this.redis.isReady()) return;
    this.shared.refund(spent.counterId, spent.version, spent.period).then(
      (refunded) => {
        if (refunded) this.recorder.record(spent.counterId, spent.version, spent.period, -1);
      },
      (error: unknown) => this.logFailure(error),
    );
  }

  /**
   * A balance set anew (an update through the API, already stored with `version`): every counter
   * starts from it. Should Redis miss it, the next cache fill's newer version seeds it there.
   */
  async reset(counterId: string, version: number, remaining: number, setAt: number): Promise<void> {
    if (this.shared === null) {
      const balance = this.local.get(counterId);
      if (balance === undefined || balance.version < version) {
        this.local.set(counterId, { version, remaining, setAt });
      }
      return;
    }
    try {
      await this.shared.reset(counterId, version, remaining, setAt);
    } catch (error) {
      this.logFailure(error);
    }
  }

  /**
   * A new refill's balance: the one counting now (a refill due under the `stored` credits' own
   * applied) becomes version `newVersion`, set at `now`, in one step, so no spend made meanwhile
   * is given back. Answers what is left. 503 while Redis is configured but out of reach: the
   * stored balance would give back what was spent since the last flush.
   */
  async carryOver(stored: StoredCredits, newVersion: number, now: number): Promise<number> {
    const credits = keyCreditsOf(stored);
    if (credits === null) throw new TypeError('carryOver: the key has no credits to carry');
    if (this.shared === null) {
      const { remaining } = this.localBalanceNow(credits, now);
      this.local.set(credits.counterId, { version: newVersion, remaining, setAt: now });
      return remaining;
    }
    const refill = currentRefill(credits, now);
    if (!this.redis.isReady()) throw UNAVAILABLE;
    try {
      return await this.shared.carry(
        credits.counterId,
        credits.version,
        credits,
        refill,
        newVersion,
        now,
      );
    } catch (error) {
      this.logFailure(error);
      throw UNAVAILABLE;
    }
  }

  /**
   * What each key's balance stands at now (null for a key without a limit): the live count where
   * this instance or Redis has one of the stored version, else the stored balance, refilled when
   * a period began since it was set.
   */
  async balances(keys: readonly StoredCredits[]): Promise<(CreditBalance | null)[]> {
    const limited = keys.filter((key) => key.remaining !== null);
    return this.balancesFrom(keys, await this.liveBalances(limited));
  }

  private balancesFrom(
    keys: readonly StoredCredits[],
    live: Map<string, LocalBalance>,
  ): (CreditBalance | null)[] {
    const now = this.clock.now();
    return keys.map((key) => {
      if (key.remaining === null) return null;
      const counted = live.get(key.creditsId ?? key.id);
      const stored =
        counted !== undefined && counted.version === key.creditsVersion
          ? counted
          : { remaining: key.remaining, setAt: key.lastRefillAt?.getTime() ?? 0 };
      return balanceAt(stored.remaining, stored.setAt, refillOf(key), now);
    });
  }

  /** The live counts of `keys`' balances; none while Redis is out of reach. */
  private async liveBalances(keys: readonly StoredCredits[]): Promise<Map<string, LocalBalance>> {
    const ids = [...new Set(keys.map((key) => key.creditsId ?? key.id))];
    const found = new Map<string, LocalBalance>();
    if (this.shared === null) {
      for (const id of ids) {
        const balance = this.local.get(id);
        if (balance) found.set(id, balance);
      }
      return found;
    }
    if (ids.length === 0 || !this.redis.isReady()) return found;
    try {
      const states = await this.shared.peek(ids);
      states.forEach((state, i) => state && found.set(ids[i], state));
    } catch (error) {
      // Reading a key must not fail with Redis: the stored balance answers.
      this.logFailure(error);
    }
    return found;
  }

  /**
   * This instance's count of the balance now: seeded from `credits` when it has none or an older
   * version, refilled when a period began since it was set (what SPEND_SCRIPT does in Redis).
   */
  private localBalanceNow(credits: KeyCredits, now: number): LocalBalance {
    let balance = this.local.get(credits.counterId);
    if (balance === undefined || balance.version < credits.version) {
      balance = { version: credits.version, remaining: credits.remaining, setAt: credits.setAt };
      this.local.set(credits.counterId, balance);
    }
    if (credits.refill !== null && balance.version === credits.version) {
      const periodStart = credits.refill.periodStart(now);
      if (periodStart > balance.setAt) {
        balance.remaining = credits.refill.refill.amount;
        balance.setAt = periodStart;
      }
    }
    return balance;
  }

  private spendHere(credits: KeyCredits, now: number): SpentCredit | null {
    const balance = this.localBalanceNow(credits, now);
    if (balance.remaining <= 0) return null;
    balance.remaining -= 1;
    this.recorder.record(credits.counterId, balance.version, balance.setAt, 1);
    return {
      remaining: balance.remaining,
      counterId: credits.counterId,
      version: balance.version,
      period: balance.setAt,
    };
  }

  private async spendShared(
    shared: RedisCreditCounters,
    credits: KeyCredits,
    now: number,
  ): Promise<SpentCredit | null> {
    const refill = currentRefill(credits, now);
    let counted;
    try {
      counted = await shared.spend(credits.counterId, credits.version, credits, refill);
    } catch (error) {
      this.logFailure(error);
      throw UNAVAILABLE;
    }
    if (!counted.spent) return null;
    this.recorder.record(credits.counterId, counted.version, counted.setAt, 1);
    return {
      remaining: counted.remaining,
      counterId: credits.counterId,
      version: counted.version,
      period: counted.setAt,
    };
  }

  /** Paces log lines in real time. */
  private logFailure(error: unknown): void {
    if (Date.now() - this.lastFailureLoggedAt > 10_000) {
      this.lastFailureLoggedAt = Date.now();
      this.logger.warn({ err: error }, 'Redis credit counter failed; keys with credits get 503');
    }
  }
}

/** The refill a spend or carry-over hands Redis: the current period's start and the amount. */
function currentRefill(
  credits: KeyCredits,
  now: number,
): { periodStart: number; amount: number } | null {
  return credits.refill === null
    ? null
    : { periodStart: credits.refill.periodStart(now), amount: credits.refill.refill.amount };
}

import type Redis from 'ioredis';
import { PerTurnBatches } from '../../../common/cluster/per-turn-batches';
import { scriptNumbers } from '../../../common/cluster/script-answers';

const SPEND = 'tesseraSpendCredits';
const REFUND = 'tesseraRefundCredit';
const RESET = 'tesseraResetCredits';
const CARRY = 'tesseraCarryCredits';

/**
 * Lua: balance i (KEYS[i]) as it stands now, from ARGV[a + 1..5] (version, seed remaining, seed
 * set-at, the current refill period's start or -1, refill amount): seeded where Redis holds none
 * or an older version, refilled where a period began since it was set. Leaves `version`, `v`,
 * `r`, `p`. Shared by SPEND and CARRY, so a carry-over counts exactly as a spend would.
 */
const BALANCE_NOW = `
  local version = tonumber(ARGV[a + 1])
  local stored = redis.call('HMGET', KEYS[i], 'v', 'r', 'p')
  local v = tonumber(stored[1])
  local r = tonumber(stored[2])
  local p = tonumber(stored[3])
  if v == nil or r == nil or p == nil or v < version then
    v = version
    r = tonumber(ARGV[a + 2])
    p = tonumber(ARGV[a + 3])
  end
  local current = tonumber(ARGV[a + 4])
  if v == version and current > p then
    r = tonumber(ARGV[a + 5])
    p = current
  end
`;

/**
 * A balance is one hash: `v` the version of the stored balance it counts from, `r` what is left,
 * `p` when it was set (epoch ms: created, updated, or the start of the refill period). A caller
 * with a newer version than the hash's seeds it with the database's values (the balance was
 * updated, or Redis lost it); an older one (its cache not yet told of an update) spends from the
 * newer balance but never refills it with its old amount. The hash lives 35 days past its last
 * spend; a balance unused that long is seeded again from the database, where it was written.
 *
 * SPEND: several spends in order, each as if it ran alone. KEYS[i]: spend i's balance. ARGV, six
 * per spend: version, seed remaining, seed set-at, the start of the current refill period (-1: no
 * refill), refill amount, ttl ms. Answers four numbers per spend: spent (0/1), remaining, set-at,
 * version.
 */
const SPEND_SCRIPT = `
local answers = {}
for i = 1, #KEYS do
  local a = 6 * (i - 1)
${BALANCE_NOW}  local spent = 0
  if r > 0 then
    r = r - 1
    spent = 1
  end
  redis.call('HSET', KEYS[i], 'v', v, 'r', r, 'p', p)
  redis.call('PEXPIRE', KEYS[i], ARGV[a + 6])
  answers[#answers + 1] = spent
  answers[#answers + 1] = r
  answers[#answers + 1] = p
  answers[#answers + 1] = v
end
return answers
`;

/** REFUND: KEYS[1]; ARGV: version, set-at of the spend. Answers the new balance, or -1 (moved on). */
const REFUND_SCRIPT = `
local stored = redis.call('HMGET', KEYS[1], 'v', 'p')
if tonumber(stored[1]) == tonumber(ARGV[1]) and tonumber(stored[2]) == tonumber(ARGV[2]) then
  return redis.call('HINCRBY', KEYS[1], 'r', 1)
end
return -1
`;

/** RESET: KEYS[1]; ARGV: version, remaining, set-at, ttl ms. Only a newer version replaces it. */
const RESET_SCRIPT = `
local v = tonumber(redis.call('HGET', KEYS[1], 'v'))
if v == nil or v < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'v', ARGV[1], 'r', ARGV[2], 'p', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return 1
end
return 0
`;

/**
 * CARRY: the balance counting now (seeded as SPEND seeds it, refilled where its old refill is
 * due) becomes the new version's, set at `now`, in one step: no spend falls between the count
 * read and the new balance. KEYS[1]; ARGV: version, seed remaining, seed set-at, the start of the
 * current period of the old refill (-1: none), its amount, new version, now, ttl ms. Answers what
 * is left.
 */
const CARRY_SCRIPT = `
local i = 1
local a = 0
${BALANCE_NOW}redis.call('HSET', KEYS[1], 'v', ARGV[6], 'r', r, 'p', ARGV[7])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return r
`;

const TTL_MS = 35 * 86_400_000;
/** The most spends one script run makes (a run holds Redis for its length). */
const MAX_SPENDS_PER_RUN = 200;

/** A balance as one spend left it. */
export interface CounterSpend {
  spent: boolean;
  remaining: number;
  setAt: number;
  version: number;
}

/** A balance as Redis holds it now. */
export interface CounterState {
  remaining: number;
  setAt: number;
  version: number;
}

/** One spend from a balance, waiting for the turn's script run. */
interface Spend {
  counterId: string;
  version: number;
  seed: { remaining: number; setAt: number };
  refill: { periodStart: number; amount: number } | null;
}

type WithCommands = Redis & {
  [SPEND](keyCount: number, ...keysThenArguments: (string | number)[]): Promise<unknown>;
  [REFUND](key: string, ...args: number[]): Promise<unknown>;
  [RESET](key: string, ...args: number[]): Promise<unknown>;
  [CARRY](key: string, ...args: number[]): Promise<unknown>;
};

const keyOf = (counterId: string) => `tessera:credits:${counterId}`;

/**
 * API keys' credit balances in Redis, shared by every instance: the spends of one event-loop turn
 * are one script run (PerTurnBatches), atomic and one round trip, each spend decided in order as if
 * it ran alone (EVALSHA, resent by ioredis after a restart). A run takes the balances of
 * unrelated keys: it needs a single Redis, not Redis Cluster.
 */
export class RedisCreditCounters {
  private readonly client: WithCommands;
  private readonly spends = new PerTurnBatches<Spend, CounterSpend>(
    (spends) => this.run(spends),
    MAX_SPENDS_PER_RUN,
  );

  constructor(redis: Redis) {
    if (!(SPEND in redis)) {
      redis.defineCommand(SPEND, { lua: SPEND_SCRIPT });
      redis.defineCommand(REFUND, { numberOfKeys: 1, lua: REFUND_SCRIPT });
      redis.defineCommand(RESET, { numberOfKeys: 1, lua: RESET_SCRIPT });
      redis.defineCommand(CARRY, { numberOfKeys: 1, lua: CARRY_SCRIPT });
    }
    this.client = redis as WithCommands;
  }

  /** Spends one credit of the balance, seeding or refilling it first where due. */
  spend(
    counterId: string,
    version: number,
    seed: { remaining: number; setAt: number },
    refill: { periodStart: number; amount: number } | null,
  ): Promise<CounterSpend> {
    // Checked here, not in Lua: a script that fails part way keeps the run's earlier spends, and
    // fails every spend of the run.
    const numbers = [
      version,
      seed.remaining,
      seed.setAt,
      refill?.periodStart ?? 0,
      refill?.amount ?? 0,
    ];
    if (!numbers.every(Number.isSafeInteger)) {
      return Promise.reject(new TypeError('Credit balances, versions and times must be integers'));
    }
    return this.spends.add({ counterId, version, seed, refill });
  }

  /** One script run for the spends of a turn. */
  private async run(spends: readonly Spend[]): Promise<CounterSpend[]> {
    const keys: string[] = [];
    const args: number[] = [];
    for (const { counterId, version, seed, refill } of spends) {
      keys.push(keyOf(counterId));
      args.push(
        version,
        seed.remaining,
        seed.setAt,
        refill === null ? -1 : refill.periodStart,
        refill === null ? 0 : refill.amount,
        TTL_MS,
      );
    }
    const answer = await this.client[SPEND](keys.length, ...keys, ...args);
    const numbers = scriptNumbers(answer, 4 * spends.length, 'credit counter');
    return spends.map((_, i) => ({
      spent: numbers[4 * i] === 1,
      remaining: numbers[4 * i + 1],
      setAt: numbers[4 * i + 2],
      version: numbers[4 * i + 3],
    }));
  }

  /** True when the credit went back (the balance was not updated nor refilled meanwhile). */
  async refund(counterId: string, version: number, setAt: number): Promise<boolean> {
    const answer = await this.client[REFUND](keyOf(counterId), version, setAt);
    return typeof answer === 'number' && answer >= 0;
  }

  async reset(counterId: string, version: number, remaining: number, setAt: number): Promise<void> {
    await this.client[RESET](keyOf(counterId), version, remaining, setAt, TTL_MS);
  }

  /**
   * The balance counting now carried into `newVersion`, set at `now` (CARRY_SCRIPT): what is
   * left. Arguments as `spend`'s, for the balance's current (old) version and refill.
   */
  async carry(
    counterId: string,
    version: number,
    seed: { remaining: number; setAt: number },
    refill: { periodStart: number; amount: number } | null,
    newVersion: number,
    now: number,
  ): Promise<number> {
    const answer = await this.client[CARRY](
      keyOf(counterId),
      version,
      seed.remaining,
      seed.setAt,
      refill === null ? -1 : refill.periodStart,
      refill === null ? 0 : refill.amount,
      newVersion,
      now,
      TTL_MS,
    );
    return scriptNumbers([answer], 1, 'credit carry-over')[0];
  }

  /** The balances Redis holds (null where it holds none), in one round trip. */
  async peek(counterIds: readonly string[]): Promise<(CounterState | null)[]> {
    const pipeline = this.client.pipeline();
    for (const id of counterIds) pipeline.hmget(keyOf(id), 'v', 'r', 'p');
    const answers = (await pipeline.exec()) ?? [];
    return answers.map(([error, fields]) => {
      if (error) throw error;
      const [v, r, p] = (fields as (string | null)[]).map((field) =>
        field === null ? NaN : Number(field),
      );
      return Number.isFinite(v) && Number.isFinite(r) && Number.isFinite(p)
        ? { version: v, remaining: r, setAt: p }
        : null;
    });
  }
}

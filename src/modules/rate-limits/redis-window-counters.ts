import type Redis from 'ioredis';

const COMMAND = 'tesseraCountWindows';

/**
 * INCR every key, and give a key its expiry (the end of its window) when it has none: normally at
 * its first hit, and again should a counter ever be left without one, so none lives forever.
 * Answers each key's hits and milliseconds left. One script for all the counters of a request:
 * one command and one round trip, atomically.
 */
const SCRIPT = `
local counted = {}
for i, key in ipairs(KEYS) do
  local hits = redis.call('INCR', key)
  local left = redis.call('PTTL', key)
  if left < 0 then
    left = tonumber(ARGV[i])
    redis.call('PEXPIRE', key, left)
  end
  counted[2 * i - 1] = hits
  counted[2 * i] = left
end
return counted
`;

/** A counter after a hit. */
export interface CounterState {
  hits: number;
  /** Until the counter expires and starts over. */
  msLeft: number;
}

type WithCommand = Redis & {
  [COMMAND](keyCount: number, ...keysThenTtls: (string | number)[]): Promise<unknown>;
};

/**
 * Fixed-window counters in Redis, shared by every instance. Run by hash (EVALSHA through an
 * ioredis command: the script is sent once, and again by ioredis after a Redis restart).
 *
 * Replaces @nest-lab/throttler-storage-redis, for two measured reasons: its script keeps a
 * separate "blocked" key for the rest of the window, so a key whose limit was raised stayed
 * refused until the hour ended (test: rate-limits e2e, "applies a key's changed
 * rate_limit_per_hour"); and it counts one key per call, two round trips per API-key request.
 *
 * With Redis Cluster the keys of one call must share a hash slot; Tessera connects to a single
 * Redis (or a primary behind a proxy), where any keys can go together.
 */
export class RedisWindowCounters {
  private readonly client: WithCommand;

  constructor(redis: Redis) {
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: SCRIPT });
    this.client = redis as WithCommand;
  }

  /** Each key's counter after this hit, in order. */
  async increment(keys: readonly string[], ttlsMs: readonly number[]): Promise<CounterState[]> {
    const flat = await this.client[COMMAND](keys.length, ...keys, ...ttlsMs);
    if (
      !Array.isArray(flat) ||
      flat.length !== 2 * keys.length ||
      flat.some((n) => typeof n !== 'number')
    ) {
      throw new TypeError(`Unexpected window counter result: ${JSON.stringify(flat)}`);
    }
    const counters: CounterState[] = [];
    for (let i = 0; i < flat.length; i += 2)
      counters.push({ hits: flat[i] as number, msLeft: flat[i + 1] as number });
    return counters;
  }
}

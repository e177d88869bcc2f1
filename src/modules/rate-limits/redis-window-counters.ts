import type Redis from 'ioredis';

const COMMAND = 'tesseraCountRequest';

/**
 * One request against every counter of it, all or nothing: when any counter is already at its
 * limit, nothing is counted (refused requests use up no quota); otherwise every counter is
 * INCRemented. A counter gets its expiry (the end of its window) when it has none: normally at
 * its first hit, and again should one ever be left without, so none lives forever. Answers
 * whether the request was refused, then each counter's hits and milliseconds left. One script for
 * all the counters of a request: one command and one round trip, atomically.
 *
 * KEYS[i]: a counter. ARGV[i]: its window's milliseconds left. ARGV[#KEYS + i]: its limit.
 */
const SCRIPT = `
local n = #KEYS
local hits = {}
local refused = 0
for i = 1, n do
  hits[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  if hits[i] >= tonumber(ARGV[n + i]) then refused = 1 end
end
local counted = { refused }
for i = 1, n do
  if refused == 0 then hits[i] = redis.call('INCR', KEYS[i]) end
  local left = redis.call('PTTL', KEYS[i])
  if left == -1 then
    left = tonumber(ARGV[i])
    redis.call('PEXPIRE', KEYS[i], left)
  elseif left == -2 then
    left = tonumber(ARGV[i])
  end
  counted[2 * i] = hits[i]
  counted[2 * i + 1] = left
end
return counted
`;

/** A counter after a request was counted or refused. */
export interface CounterState {
  hits: number;
  /** Until the counter expires and starts over. */
  msLeft: number;
}

/** What one request did to its counters. */
export interface RequestCount {
  /** A counter was at its limit: nothing was counted. */
  refused: boolean;
  counters: CounterState[];
}

type WithCommand = Redis & {
  [COMMAND](keyCount: number, ...keysThenTtlsThenLimits: (string | number)[]): Promise<unknown>;
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

  /** Counts one request against every key (each with its window's ttl and its limit). */
  async countRequest(
    keys: readonly string[],
    ttlsMs: readonly number[],
    limits: readonly number[],
  ): Promise<RequestCount> {
    const flat = await this.client[COMMAND](keys.length, ...keys, ...ttlsMs, ...limits);
    if (
      !Array.isArray(flat) ||
      flat.length !== 1 + 2 * keys.length ||
      flat.some((n) => typeof n !== 'number')
    ) {
      throw new TypeError(`Unexpected window counter result: ${JSON.stringify(flat)}`);
    }
    const counters: CounterState[] = [];
    for (let i = 1; i < flat.length; i += 2)
      counters.push({ hits: flat[i] as number, msLeft: flat[i + 1] as number });
    return { refused: flat[0] === 1, counters };
  }
}

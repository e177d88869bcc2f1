import type Redis from 'ioredis';

const COMMAND = 'tesseraCountRequest';

/**
 * One request against all its counters, atomically and in one round trip: nothing is counted when
 * any is at its limit (refused requests use up no quota). A counter left without an expiry gets
 * its window's end, so none lives forever. Answers refused (0/1), then each counter's hits and
 * milliseconds left.
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
 * Fixed-window counters in Redis, run by hash (EVALSHA, resent by ioredis after a restart). They
 * replace @nest-lab/throttler-storage-redis, which kept a raised key refused all hour and took a
 * round trip per counter (docs/performance.md). One call's keys would need one hash slot on Redis
 * Cluster; Tessera connects to a single Redis (or a primary behind a proxy).
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

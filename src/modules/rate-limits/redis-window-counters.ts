import type Redis from 'ioredis';
import { PerTurnBatches } from '../../common/cluster/per-turn-batches';
import { scriptNumbers } from '../../common/cluster/script-answers';

const COMMAND = 'tesseraCountRequests';

/**
 * The most requests one script run counts. A run holds Redis for its length (~4 commands per
 * counter): a bound keeps it short however many requests one event-loop turn brings.
 */
const MAX_REQUESTS_PER_RUN = 200;

/**
 * Several requests against their counters, in the order given, atomically and in one round trip.
 * For each request, all or nothing: nothing is counted when any of its counters is at its limit
 * (refused requests use up no quota). A counter left without an expiry gets its window's end, so
 * none lives forever. Answers, per request: refused (0/1), then each counter's hits and
 * milliseconds left.
 *
 * ARGV[1]: the number of requests R. ARGV[1 + q]: request q's number of counters. Then, counter
 * by counter in request order, its window's milliseconds left and its limit. KEYS: the counters,
 * in the same order.
 */
const SCRIPT = `
local requests = tonumber(ARGV[1])
local counted = {}
local key = 0
local arg = 1 + requests
for q = 1, requests do
  local n = tonumber(ARGV[1 + q])
  local hits = {}
  local refused = 0
  for i = 1, n do
    hits[i] = tonumber(redis.call('GET', KEYS[key + i]) or '0')
    if hits[i] >= tonumber(ARGV[arg + 2 * i]) then refused = 1 end
  end
  counted[#counted + 1] = refused
  for i = 1, n do
    local counter = KEYS[key + i]
    if refused == 0 then hits[i] = redis.call('INCR', counter) end
    local left = redis.call('PTTL', counter)
    if left == -1 then
      left = tonumber(ARGV[arg + 2 * i - 1])
      redis.call('PEXPIRE', counter, left)
    elseif left == -2 then
      left = tonumber(ARGV[arg + 2 * i - 1])
    end
    counted[#counted + 1] = hits[i]
    counted[#counted + 1] = left
  end
  key = key + n
  arg = arg + 2 * n
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

/** One request's counters: each key with its window's milliseconds left and its limit. */
interface RequestCounters {
  keys: readonly string[];
  ttlsMs: readonly number[];
  limits: readonly number[];
}

type WithCommand = Redis & {
  [COMMAND](keyCount: number, ...keysThenArguments: (string | number)[]): Promise<unknown>;
};

/**
 * Fixed-window counters in Redis, run by hash (EVALSHA, resent by ioredis after a restart). They
 * replace @nest-lab/throttler-storage-redis, which kept a raised key refused all hour and took a
 * round trip per counter (docs/performance.md). A run takes the keys of unrelated requests, so it
 * needs a single Redis (or a primary behind a proxy that does not shard): Redis Cluster cannot
 * run it.
 *
 * The requests of one event-loop turn are counted by one script run (PerTurnBatches), in arrival
 * order: each is decided exactly as if it ran alone, and the instance pays ioredis's cost per
 * command once per turn instead of once per request (API-key verify with Redis 67.4 -> 55.8 µs
 * of CPU, 52.3 without Redis: docs/performance.md "Session 17").
 */
export class RedisWindowCounters {
  private readonly client: WithCommand;
  private readonly runs = new PerTurnBatches<RequestCounters, RequestCount>(
    (requests) => this.run(requests),
    MAX_REQUESTS_PER_RUN,
  );

  constructor(redis: Redis) {
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: SCRIPT });
    this.client = redis as WithCommand;
  }

  /** Counts one request against every key (each with its window's ttl and its limit). */
  countRequest(
    keys: readonly string[],
    ttlsMs: readonly number[],
    limits: readonly number[],
  ): Promise<RequestCount> {
    // Checked here, not in Lua: a script that fails part way keeps what it already counted for
    // the run's earlier requests, and fails every request of the run.
    if (!ttlsMs.every(Number.isSafeInteger) || !limits.every(Number.isSafeInteger)) {
      return Promise.reject(new TypeError('Window ttls and limits must be integers'));
    }
    return this.runs.add({ keys, ttlsMs, limits });
  }

  /** One script run for the requests of a turn. */
  private async run(requests: readonly RequestCounters[]): Promise<RequestCount[]> {
    const keys: string[] = [];
    const args: number[] = [requests.length];
    for (const request of requests) args.push(request.keys.length);
    for (const request of requests) {
      for (let i = 0; i < request.keys.length; i++) {
        keys.push(request.keys[i]);
        args.push(request.ttlsMs[i], request.limits[i]);
      }
    }
    return countsOf(requests, await this.client[COMMAND](keys.length, ...keys, ...args));
  }
}

/** Each request's part of the script's answer. */
function countsOf(requests: readonly RequestCounters[], flat: unknown): RequestCount[] {
  const expected = requests.reduce((length, request) => length + 1 + 2 * request.keys.length, 0);
  const numbers = scriptNumbers(flat, expected, 'window counter');
  let at = 0;
  return requests.map((request) => {
    const refused = numbers[at++] === 1;
    const counters: CounterState[] = [];
    for (let i = 0; i < request.keys.length; i++, at += 2) {
      counters.push({ hits: numbers[at], msLeft: numbers[at + 1] });
    }
    return { refused, counters };
  });
}

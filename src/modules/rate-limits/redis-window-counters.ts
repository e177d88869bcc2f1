import type Redis from 'ioredis';

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

/** A request's counters, waiting for the turn's script run. */
interface QueuedRequest {
  keys: readonly string[];
  ttlsMs: readonly number[];
  limits: readonly number[];
  resolve: (count: RequestCount) => void;
  reject: (error: unknown) => void;
}

type WithCommand = Redis & {
  [COMMAND](keyCount: number, ...keysThenArguments: (string | number)[]): Promise<unknown>;
};

/**
 * Fixed-window counters in Redis, run by hash (EVALSHA, resent by ioredis after a restart). They
 * replace @nest-lab/throttler-storage-redis, which kept a raised key refused all hour and took a
 * round trip per counter (docs/performance.md). One call's keys would need one hash slot on Redis
 * Cluster; Tessera connects to a single Redis (or a primary behind a proxy).
 *
 * The requests of one event-loop turn are counted by one script run (sent from setImmediate, as
 * ioredis's auto-pipelining would send their commands), in arrival order: each is decided exactly
 * as if it ran alone, and the instance pays ioredis's cost per command once per turn instead of
 * once per request (API-key verify with Redis 60.8 -> 51.6 µs of CPU, 47.1 without Redis:
 * docs/performance.md "Session 17").
 */
export class RedisWindowCounters {
  private readonly client: WithCommand;
  private queued: QueuedRequest[] = [];
  private readonly runQueued = () => this.run();

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
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(this.runQueued);
      this.queued.push({ keys, ttlsMs, limits, resolve, reject });
      if (this.queued.length >= MAX_REQUESTS_PER_RUN) this.run();
    });
  }

  /** One script run for every request queued so far (none: nothing to send). */
  private run(): void {
    const requests = this.queued;
    if (requests.length === 0) return;
    this.queued = [];
    const keys: string[] = [];
    const args: number[] = [requests.length];
    for (const request of requests) args.push(request.keys.length);
    for (const request of requests) {
      for (let i = 0; i < request.keys.length; i++) {
        keys.push(request.keys[i]);
        args.push(request.ttlsMs[i], request.limits[i]);
      }
    }
    this.client[COMMAND](keys.length, ...keys, ...args).then(
      (flat) => settle(requests, flat),
      (error: unknown) => {
        for (const request of requests) request.reject(error);
      },
    );
  }
}

/** Hands each request its part of the script's answer (or, if it is malformed, an error). */
function settle(requests: readonly QueuedRequest[], flat: unknown): void {
  const expected = requests.reduce((length, request) => length + 1 + 2 * request.keys.length, 0);
  if (!Array.isArray(flat) || flat.length !== expected || flat.some((n) => typeof n !== 'number')) {
    const error = new TypeError(
      `Unexpected window counter result: ${JSON.stringify(flat).slice(0, 200)}`,
    );
    for (const request of requests) request.reject(error);
    return;
  }
  const numbers = flat as number[];
  let at = 0;
  for (const request of requests) {
    const refused = numbers[at++] === 1;
    const counters: CounterState[] = [];
    for (let i = 0; i < request.keys.length; i++, at += 2) {
      counters.push({ hits: numbers[at], msLeft: numbers[at + 1] });
    }
    request.resolve({ refused, counters });
  }
}

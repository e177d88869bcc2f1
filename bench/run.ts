// `npm run bench`: how fast Tessera verifies a credential, next to /v1/health (the framework's
// floor) and a bare node:http server (the machine's ceiling), and how fast it refuses one (a spent
// key, an unknown key, made-up keys), next to the allowed verify. The main rows run the default
// configuration (as `npm start` does: request log lines at info); the tuned one (LOG_LEVEL=warn)
// runs beside it. Then what a warm cache hides (issue #19): keys presented once each (cold, on
// SQLite and on MariaDB), verify beside a burst of logins, and the memory 100,000 keys take. The
// servers run as child processes; autocannon, the load generator, runs here. Results go to stdout
// and bench/results.json.
//
//   BENCH_DURATION=10  seconds measured per row      BENCH_WARMUP=3  seconds of warm-up before
//   BENCH_SLICES=10    slices each row's seconds are split into, interleaved with the other rows
//   BENCH_REDIS_URL    run Tessera with REDIS_URL (default: no Redis)
//   BENCH_ROWS=a,b     measure only these rows (ids as in bench/results.json; a developer's
//                      narrower run: the checks of the rows left out are skipped, the paced
//                      rows take 5,000 req/s without health, bench/results.json is not written)
//   BENCH_PIN=0        leave processes to the scheduler (default: servers on CPU 0, load on CPU 1)
//   BENCH_PAUSE=0      leave the other servers running during a row's slice (default: stopped,
//                      SIGSTOP, so their timers and collections do not stall the one measured;
//                      never with BENCH_REDIS_URL: the instances confirm each other's messages)
//   BENCH_MARIADB_URL  the MariaDB server of the cold-key row, which gets a database of its own
//                      for the run (default mysql://root@127.0.0.1:3306; BENCH_MARIADB_URL=off:
//                      no MariaDB row)
import autocannon from 'autocannon';
import type { RequestParams } from 'autocannon';
import { randomBytes, randomUUID } from 'node:crypto';
import { constants, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { COLD_KEYS, COLD_WARMUP_KEYS } from './cold-rows';
import { choosePinning, pinThisProcess } from './cpu-pinning';
import { jwtBearerBodies, KeyFile } from './jwt-bearer-assertions';
import { madeUpKeys, oneUnknownKey } from './made-up-keys';
import { PacedLoadProcess } from './paced-load';
import { prepareSamlAcs, SAML_ACS_CONNECTIONS } from './saml-acs';
import { cpuTimeMicroseconds } from './server-cpu';
import { benchDatabase, dropBenchDatabases } from './mariadb';
import { seedKeys } from './seed-keys';
import {
  killAllNow,
  measureRsaSignsPerSecond,
  REPO_ROOT,
  residentMegabytes,
  resumeAll,
  runOnly,
  RunningTessera,
  startBareServer,
  startTessera,
  stopAll,
  trimLogs,
} from './processes';
import { presentKeys } from './present-keys';
import {
  addRatios,
  checkTargets,
  TargetCheck,
  formatChecks,
  formatTable,
  isMeasured,
  Row,
  RowId,
  Slice,
  toRow,
  writeResults,
} from './report';

const CONNECTIONS = 50;
/**
 * The paced rows send this share of the req/s /v1/health reached in its warm-up, spread over the
 * same 50 connections: a latency a user sees under load, where the saturated rows' p99 is mostly
 * the queue (50 connections always waiting: mean latency = 50 / req/s, ~3.5 ms at 14k req/s).
 */
const PACED_SHARE_OF_HEALTH = 0.5;
const ROW_ORDER: RowId[] = [
  'bare',
  'health',
  'api_key',
  'api_key_credits',
  'jwt',
  'api_key_paced',
  'jwt_paced',
  'bare_paced',
  'health_tuned',
  'api_key_tuned',
  'jwt_tuned',
  'rate_limited',
  'unknown_key',
  'made_up_keys',
  'cold_keys_sqlite',
  'cold_keys_mariadb',
  'verify_without_logins',
  'verify_beside_logins',
  'logins',
  'client_credentials',
  'jwt_bearer',
  'introspection',
  'saml_acs',
];
/** The tuned configuration: what an operator sets to log only warnings and errors. */
const TUNED_ENV = { LOG_LEVEL: 'warn' };
/** Logins a second beside the verify load, all at the start of each second (a burst). */
const LOGINS_PER_SECOND = 100;
/** The instance the logins go to counts its public routes per client: high enough not to limit. */
const LOGINS_PUBLIC_RATE_LIMIT_PER_MINUTE = 100_000_000;
/** The most resident memory an instance may use after 100,000 distinct keys (issue #19). */
const RSS_LIMIT_MB = 200;
/** The OAuth rows' instance counts its public routes per client: high enough not to limit a run. */
const OAUTH_PUBLIC_RATE_LIMIT_PER_MINUTE = 100_000_000;
/** A server busy less than this share of its core was waiting on something else. */
const LOAD_BOUND_BELOW = 0.9;
/** The highest per-key limit the API accepts; more than a 10 s run normally sends. */
const API_KEY_RATE_LIMIT_PER_HOUR = 100_000;
/**
 * How many made-up keys a client network may have looked up a minute with the default
 * PUBLIC_RATE_LIMIT_PER_MINUTE (120): that many, then 20 times as many while locked
 * (ApiKeyVerifier.lookUp).
 */
const MADE_UP_KEY_LOOK_UPS_PER_MINUTE = 120 * 21;
/** The credits row's keys: more than any run spends (one per request), so every answer is 200. */
const CREDITS_PER_KEY = 1_000_000_000;
/** The lowest per-key limit the API accepts: the spent key's, used up before the rows run. */
const SPENT_KEY_RATE_LIMIT_PER_HOUR = 10;
/** The highest per-organization limit the API accepts (enterprise plan). */
const ORGANIZATION_RATE_LIMIT_PER_MINUTE = 1_000_000;
/** Runs with and without Redis keep separate files, so neither overwrites the other. */
const resultsFile = (redis: boolean) =>
  join(REPO_ROOT, 'bench', redis ? 'results-redis.json' : 'results.json');

interface Settings {
  durationSeconds: number;
  warmupSeconds: number;
  slices: number;
  redisUrl?: string;
  /** Stop the other servers during a row's slice (processes.ts, `runOnly`). */
  pauseOthers: boolean;
  /** BENCH_ROWS: the rows to measure (all when unset). */
  rows?: RowId[];
}

function secondsFromEnv(name: string, fallback: number, minimum: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < minimum) {
    throw new Error(`${name} must be a number of seconds >= ${minimum}, got "${raw}"`);
  }
  return value;
}

/** BENCH_ROWS, each id checked: a misspelt one would silently measure nothing. */
function rowsFromEnv(raw: string | undefined): RowId[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const rows = raw.split(',').map((id) => id.trim());
  const unknown = rows.filter((id) => !(ROW_ORDER as string[]).includes(id));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_ROWS: unknown rows ${unknown.join(', ')} (ids: ${ROW_ORDER.join(', ')})`,
    );
  }
  return rows as RowId[];
}

function readSettings(): Settings {
  return {
    durationSeconds: secondsFromEnv('BENCH_DURATION', 10, 1),
    warmupSeconds: secondsFromEnv('BENCH_WARMUP', 3, 0),
    slices: Math.floor(secondsFromEnv('BENCH_SLICES', 10, 1)),
    redisUrl: process.env.BENCH_REDIS_URL || undefined,
    // With Redis, a cache invalidation waits (up to 250 ms) for every instance to confirm it: a
    // stopped one would hold up the one measured (SAML's provisioning logins, for one).
    pauseOthers: process.env.BENCH_PAUSE !== '0' && !process.env.BENCH_REDIS_URL,
    rows: rowsFromEnv(process.env.BENCH_ROWS),
  };
}

// ---------------------------------------------------------------------------------------------
// The tenant whose credentials are verified under load

interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; apiKey?: string } = {},
): Promise<ApiAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { detail: text.slice(0, 200) };
  }
  return { status: response.status, body };
}

function describe(answer: ApiAnswer): string {
  const detail = answer.body.detail;
  return `${answer.status} ${typeof detail === 'string' ? detail : JSON.stringify(answer.body)}`;
}

function expectStatus(answer: ApiAnswer, status: number, what: string): void {
  if (answer.status !== status) throw new Error(`${what} answered ${describe(answer)}`);
}

/**
 * Keys share the load, used in turn, as a deployment's many clients do: at ~40k requests/s a
 * 13 s run sends several times one key's maximum hourly limit (100,000). Each stays cached; the
 * limiter counts each against its own limit.
 */
const API_KEYS = 40;

interface Credentials {
  email: string;
  password: string;
  accessToken: string;
  apiKeys?: string[];
  apiKeyIds?: string[];
  /** A key whose hourly limit is used up: every verify with it is refused with 429. */
  spentKey?: string;
  /** Why there is no API key (the endpoint may not exist yet). */
  apiKeyProblem?: string;
}

async function createBenchTenant(
  tessera: RunningTessera,
  options: { spentKey: boolean; keys: number; remaining?: number } = {
    spentKey: true,
    keys: API_KEYS,
  },
): Promise<Credentials> {
  const { baseUrl } = tessera;
  const email = `bench-${randomUUID()}@example.com`;
  const password = `bench-${randomBytes(12).toString('base64url')}`;

  const registered = await call(baseUrl, 'POST', '/v1/auth/register', {
    body: { email, password, full_name: 'Bench User' },
  });
  expectStatus(registered, 201, 'POST /v1/auth/register');

  // A new organization is on the free plan (60 requests a minute). The bench measures
  // verification, not the limiter's 429s, so the administrator lifts the tenant's limit.
  const lifted = await call(
    baseUrl,
    'PATCH',
    `/v1/organizations/${String(registered.body.organization_id)}`,
    {
      token: tessera.adminToken,
      body: { plan: 'enterprise', rate_limit_per_minute: ORGANIZATION_RATE_LIMIT_PER_MINUTE },
    },
  );
  if (lifted.status !== 200) {
    console.warn(`note: could not lift the organization's rate limit (${describe(lifted)})`);
  }

  const login = await call(baseUrl, 'POST', '/v1/auth/login', { body: { email, password } });
  expectStatus(login, 200, 'POST /v1/auth/login');
  const accessToken = login.body.access_token;
  if (typeof accessToken !== 'string')
    throw new Error('POST /v1/auth/login returned no access_token');

  const apiKeys: string[] = [];
  const apiKeyIds: string[] = [];
  const tenant = { email, password, accessToken };
  for (let i = 0; i < options.keys; i++) {
    const created = await call(baseUrl, 'POST', '/v1/api-keys', {
      token: accessToken,
      body: {
        name: `bench-${i}`,
        scopes: ['translate:read'],
        rate_limit_per_hour: API_KEY_RATE_LIMIT_PER_HOUR,
        ...(options.remaining === undefined ? {} : { remaining: options.remaining }),
      },
    });
    if (created.status !== 201 || typeof created.body.key !== 'string') {
      return { ...tenant, apiKeyProblem: `POST /v1/api-keys answered ${describe(created)}` };
    }
    apiKeys.push(created.body.key);
    apiKeyIds.push(String(created.body.id));
  }
  if (!options.spentKey) return { ...tenant, apiKeys, apiKeyIds };
  const spent = await call(baseUrl, 'POST', '/v1/api-keys', {
    token: accessToken,
    body: {
      name: 'bench-spent',
      scopes: ['translate:read'],
      rate_limit_per_hour: SPENT_KEY_RATE_LIMIT_PER_HOUR,
    },
  });
  if (spent.status !== 201 || typeof spent.body.key !== 'string') {
    return { ...tenant, apiKeyProblem: `POST /v1/api-keys answered ${describe(spent)}` };
  }
  await spendQuota(baseUrl, spent.body.key);
  return { ...tenant, apiKeys, apiKeyIds, spentKey: spent.body.key };
}

/**
 * Uses up the key's hourly limit. It stays spent until the hour ends: a run across the hour lets
 * SPENT_KEY_RATE_LIMIT_PER_HOUR requests through again, which the row then shows as 200s.
 */
async function spendQuota(baseUrl: string, key: string): Promise<void> {
  for (let i = 0; i <= SPENT_KEY_RATE_LIMIT_PER_HOUR; i++) {
    const answer = await call(baseUrl, 'GET', '/v1/auth/verify', { apiKey: key });
    if (answer.status === 429) return;
    expectStatus(answer, 200, 'GET /v1/auth/verify with the key to spend');
  }
  throw new Error(`the spent key was not refused after ${SPENT_KEY_RATE_LIMIT_PER_HOUR} requests`);
}

interface OAuthCredentials {
  /** `Authorization: Basic` of a confidential client registered for client_credentials. */
  machine: string;
  /** `Authorization: Basic` of the resource server that introspects. */
  resourceServer: string;
  /** An access token the machine got, which the resource server introspects. */
  accessToken: string;
  /** A service account's key file (ES256), whose assertions the JWT bearer row exchanges. */
  keyFile: KeyFile;
}

const basic = (id: unknown, secret: unknown) =>
  `Basic ${Buffer.from(`${String(id)}:${String(secret)}`).toString('base64')}`;

/** A tenant of the OAuth instance: two clients registered through the API, and one token. */
async function createOAuthTenant(tessera: RunningTessera): Promise<OAuthCredentials> {
  const { baseUrl } = tessera;
  const email = `bench-oauth-${randomUUID()}@example.com`;
  const password = `bench-${randomBytes(12).toString('base64url')}`;
  expectStatus(
    await call(baseUrl, 'POST', '/v1/auth/register', {
      body: { email, password, full_name: 'Bench OAuth' },
    }),
    201,
    'POST /v1/auth/register',
  );
  const login = await call(baseUrl, 'POST', '/v1/auth/login', { body: { email, password } });
  expectStatus(login, 200, 'POST /v1/auth/login');
  const token = String(login.body.access_token);
  const register = async (name: string) => {
    const created = await call(baseUrl, 'POST', '/v1/oauth/clients', {
      token,
      body: {
        name,
        client_type: 'confidential',
        grant_types: ['client_credentials'],
        scopes: ['translate:read'],
      },
    });
    expectStatus(created, 201, 'POST /v1/oauth/clients');
    return basic(created.body.client_id, created.body.client_secret);
  };
  const machine = await register('bench-machine');
  const resourceServer = await register('bench-resource-server');
  const issued = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization: machine, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await issued.json()) as { access_token?: unknown };
  if (issued.status !== 200 || typeof answer.access_token !== 'string') {
    throw new Error(`POST /oauth/token answered ${issued.status} ${JSON.stringify(answer)}`);
  }
  const account = await call(baseUrl, 'POST', '/v1/service-accounts', {
    token,
    body: { name: 'bench-pipeline', scopes: ['translate:read'], algorithm: 'ES256' },
  });
  expectStatus(account, 201, 'POST /v1/service-accounts');
  const keyFile = account.body.key_file as KeyFile;
  return { machine, resourceServer, accessToken: answer.access_token, keyFile };
}

/**
 * The same Redis server, the next database: the guessing client's instance counts its look-up
 * locks apart (a lock counted in shared Redis would reach the main instance too).
 */
function guessingClientRedis(redisUrl: string): string {
  const url = new URL(redisUrl);
  const database = Number(url.pathname.slice(1) || '0');
  url.pathname = `/${database + 1}`;
  return url.toString();
}

// ---------------------------------------------------------------------------------------------
// Load

interface Load {
  id: RowId;
  name: string;
  url: string;
  /** The process answering, whose CPU time each slice reads. */
  serverPid: number | undefined;
  /** Each connection cycles through the header sets (one request each)... */
  headers: Record<string, string>[];
  /** ...or takes a new set for every request (built per request, a little dearer to send). */
  nextHeaders?: () => Record<string, string>;
  /** The statuses the row is meant to measure; any other is reported. */
  expect: number[];
  /** GET unless said; a POST sends `body` (a form) with every request... */
  method?: 'GET' | 'POST';
  body?: string;
  /** ...or a new one for every request (an assertion is accepted once). */
  nextBody?: () => string;
  /**
   * A slice is this many requests, not a share of BENCH_DURATION (keys presented once each: the
   * row lasts as long as its keys); the warm-up is `warmupRequests`.
   */
  requestsPerSlice?: number;
  warmupRequests?: number;
  /** Another load run during each of this row's slices (logins), its results kept apart. */
  beside?: (seconds: number) => autocannon.Instance;
  /**
   * Run right before each of the row's measured slices (the RSA yardstick of the token row), so
   * that what it measures sees the same machine as the slice.
   */
  before?: () => Promise<void>;
  /** Fewer than CONNECTIONS for a slow row, whose queue would spill into the next slice. */
  connections?: number;
  /**
   * Requests/s over all connections, for a row paced below saturation (read at each slice): sent
   * open-loop by bench/paced-load.ts, not autocannon.
   */
  overallRate?: () => number;
}

function optionsFor(load: Load) {
  const { nextHeaders, nextBody } = load;
  const method = load.method ?? 'GET';
  const perRequest = (request: RequestParams) => ({
    ...request,
    headers: nextHeaders ? nextHeaders() : load.headers[0],
    ...(nextBody ? { body: nextBody() } : {}),
  });
  return {
    url: load.url,
    connections: load.connections ?? CONNECTIONS,
    requests:
      nextHeaders || nextBody
        ? [{ method, setupRequest: perRequest }]
        : load.headers.map((set) => ({ method, headers: set, body: load.body })),
  };
}

/** Sends every paced slice (and its warm-ups) from one process, kept warm (bench/paced-load.ts). */
const pacedLoads = new PacedLoadProcess();

/**
 * What a load sends for `seconds`, or its set number of requests, with every response's latency
 * kept (autocannon's percentiles of one slice cannot be pooled into a row's).
 */
async function slice(
  load: Load,
  seconds: number,
  requests: number | undefined,
): Promise<{ result: autocannon.Result; latenciesMs: number[] }> {
  if (load.overallRate) {
    return pacedLoads.run({
      url: load.url,
      headerSets: load.headers,
      requestsPerSecond: load.overallRate(),
      seconds,
      connections: load.connections ?? CONNECTIONS,
    });
  }
  const latenciesMs: number[] = [];
  const started = performance.now();
  let lastResponse = started;
  const instance =
    requests === undefined
      ? autocannon({ ...optionsFor(load), duration: seconds })
      : autocannon({ ...optionsFor(load), amount: requests });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    latenciesMs.push(ms);
    lastResponse = performance.now();
  });
  const result = await instance;
  // With `amount`, autocannon reports on its next one-second tick, not at the last response: its
  // duration would round the slice up to whole seconds (2,000 cold keys in 1.1 s read as 1,000/s).
  if (requests !== undefined && latenciesMs.length > 0) {
    result.duration = (lastResponse - started) / 1000;
  }
  return { result, latenciesMs };
}

/**
 * Before each measured slice, the row's own load for this long, discarded. Between two of its
 * slices a server sits idle through every other row's turn (~25 s), and what it serves first
 * after that costs more: a client_credentials server's first 400 tokens ~725 µs of CPU each
 * against ~530 for the rest of the second (V8 has shrunk the idle young generation, among other
 * things), which read as 10-15% fewer tokens in a 1 s slice than in one right after another
 * (docs/performance.md, "Session 16"). The rows with a set number of requests per slice (the
 * cold keys, each presented once) are not re-warmed: their keys are counted.
 */
const REWARM_SECONDS = 0.3;

/** Below this share of its core, a server has finished the work a slice left it. */
const IDLE_BELOW = 0.1;

/**
 * Waits until the server has finished what the last slice left (logins in argon2's queue), so
 * that the next slice, whichever server it measures on the shared core, does not pay for it.
 */
async function untilIdle(pid: number | undefined): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const before = cpuTimeMicroseconds(pid);
    await new Promise((wake) => setTimeout(wake, 100));
    const after = cpuTimeMicroseconds(pid);
    if (before === null || after === null || (after - before) / 100_000 < IDLE_BELOW) return;
  }
}

/**
 * Each load runs BENCH_DURATION seconds in BENCH_SLICES slices taken in turn with the other loads
 * (the order rotating each round), after a warm-up of its own: a shared machine drifts by up to a
 * third within a minute, and interleaved rows all see the same drift (docs/performance.md).
 * A load's `beside` results come back under its id in `besides`.
 */
async function measureAll(
  settings: Settings,
  loads: Load[],
  /** Told each load's warm-up req/s (the paced rows take their rate from /v1/health's). */
  warmedUp?: (id: RowId, requestsPerSecond: number) => void,
): Promise<{ rows: Row[]; besides: Map<RowId, Slice[]> }> {
  // The warm-up lets V8 optimise the hot path and fills the service's caches; it is discarded.
  if (settings.warmupSeconds > 0) {
    for (const load of loads) {
      if (settings.pauseOthers) runOnly(load.serverPid);
      const companion = load.beside?.(settings.warmupSeconds);
      const { result } = await slice(load, settings.warmupSeconds, load.warmupRequests);
      warmedUp?.(load.id, result.requests.total / result.duration);
      companion?.stop();
      await companion;
      if (companion) await untilIdle(load.serverPid);
    }
  }
  const sliceSeconds = settings.durationSeconds / settings.slices;
  const slices = new Map<RowId, Slice[]>(loads.map((load) => [load.id, []]));
  const besides = new Map<RowId, Slice[]>();
  for (let round = 0; round < settings.slices; round++) {
    process.stdout.write(`  round ${round + 1}/${settings.slices}:`);
    for (let turn = 0; turn < loads.length; turn++) {
      const load = loads[(round + turn) % loads.length];
      if (settings.pauseOthers) runOnly(load.serverPid);
      if (load.requestsPerSlice === undefined) await slice(load, REWARM_SECONDS, undefined);
      await load.before?.();
      const cpuBefore = cpuTimeMicroseconds(load.serverPid);
      const companion = load.beside?.(sliceSeconds);
      const { result, latenciesMs } = await slice(load, sliceSeconds, load.requestsPerSlice);
      companion?.stop();
      const cpuAfter = cpuTimeMicroseconds(load.serverPid);
      const serverCpuMicroseconds =
        cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
      slices.get(load.id)!.push({ result, serverCpuMicroseconds, latenciesMs });
      if (companion) {
        besides.set(load.id, [
          ...(besides.get(load.id) ?? []),
          { result: await companion, serverCpuMicroseconds: null },
        ]);
        await untilIdle(load.serverPid);
      }
      trimLogs();
      process.stdout.write(` ${load.id} ${Math.round(result.requests.total / result.duration)}`);
    }
    process.stdout.write('\n');
  }
  resumeAll();
  const rows = loads.map((load) => toRow(load.id, load.name, slices.get(load.id)!, load.expect));
  return { rows, besides };
}

function notesFor(rows: Row[]): string[] {
  const notes: string[] = [];
  for (const row of rows.filter(isMeasured)) {
    const paced = row.id === 'api_key_paced' || row.id === 'jwt_paced' || row.id === 'bare_paced';
    if (!paced && row.server_cpu_busy !== null && row.server_cpu_busy < LOAD_BOUND_BELOW) {
      notes.push(
        `${row.name}: the server kept its core ${Math.round(row.server_cpu_busy * 100)}% busy, ` +
          'so something else set the pace (the load generator, or Redis), not its CPU.',
      );
    }
    if (row.errors > 0) {
      notes.push(`${row.name}: ${row.errors} connection errors (${row.timeouts} timeouts)`);
    }
    if (row.id === 'api_key_credits') {
      notes.push(
        `${row.name}: no target. Each of ${API_KEYS} keys starts with ${CREDITS_PER_KEY.toLocaleString('en-US')} ` +
          `credits and spends one per request (${row.ratio_to_verify === null ? '-' : row.ratio_to_verify.toFixed(2)} x the verify of keys without).`,
      );
    }
    if (row.id === 'made_up_keys') {
      notes.push(
        `${row.name}: no target. A client network gets ${MADE_UP_KEY_LOOK_UPS_PER_MINUTE} ` +
          'database look-ups of unknown keys a minute (the first 401s, then 429s after the ' +
          'look-up), then none (429 before any look-up): they cost whichever slices follow the ' +
          "minute's start; the other slices show what a refused made-up key costs.",
      );
    }
    if ((row.status_codes['429'] ?? 0) > 0 && !row.expected_statuses.includes(429)) {
      const limit =
        row.id === 'api_key'
          ? ` Each of the ${API_KEYS} keys allows ${API_KEY_RATE_LIMIT_PER_HOUR} requests per hour (the API's maximum); a long run can send more.`
          : '';
      notes.push(
        `${row.name}: ${row.status_codes['429']} answers were 429 (rate limited).${limit}`,
      );
    }
  }
  const measured = (id: RowId) => rows.filter(isMeasured).find((row) => row.id === id);
  const [saturated, paced] = [measured('bare'), measured('bare_paced')];
  if (saturated && paced) {
    const busy =
      paced.server_cpu_busy === null
        ? ''
        : `, its core ${Math.round(paced.server_cpu_busy * 100)}% busy`;
    notes.push(
      `the machine's own p99 in this run: bare node:http ${saturated.p99_ms.toFixed(1)} ms ` +
        `saturated, ${paced.p99_ms.toFixed(1)} ms paced${busy}: the verify rows' p99 include these stalls.`,
    );
  }
  return notes;
}

/** Each round's ratios, which show how far the machine drifted and whether the ratios held. */
function roundByRound(rows: Row[]): string {
  const slicesOf = (id: RowId) => rows.filter(isMeasured).find((row) => row.id === id);
  const lines: string[] = [];
  const compare = (baselineId: RowId, ids: RowId[]) => {
    const baseline = slicesOf(baselineId);
    if (!baseline) return;
    lines.push(`x ${baseline.name}, round by round:`);
    for (const id of ids) {
      const row = slicesOf(id);
      if (!row) continue;
      const ratios = row.slices_requests_per_second.map(
        (rps, round) => rps / baseline.slices_requests_per_second[round],
      );
      lines.push(`  ${row.name.padEnd(40)} ${ratios.map((ratio) => ratio.toFixed(2)).join('  ')}`);
    }
  };
  compare('health', ['api_key', 'jwt', 'cold_keys_sqlite', 'cold_keys_mariadb']);
  compare('health_tuned', ['api_key_tuned', 'jwt_tuned']);
  compare('api_key', ['rate_limited', 'unknown_key', 'made_up_keys']);
  compare('verify_without_logins', ['verify_beside_logins']);
  compare('health', ['introspection']);
  compare('client_credentials', ['jwt_bearer']);
  return lines.join('\n');
}

/** Distinct keys the SQLite cold instance is shown in all, before its memory is read. */
const MEMORY_KEYS = 100_000;
const SPARE_KEYS = 1_000;

/** An instance whose keys are each presented once: as after a deploy, or a long tail of keys. */
interface ColdInstance {
  tessera: RunningTessera;
  keys: string[];
  /** Keys presented so far (each once). */
  presented: number;
}

async function startColdInstance(
  core: number | undefined,
  databaseUrl: string | undefined,
  keys: number,
): Promise<ColdInstance> {
  const tessera = await startTessera({ core, databaseUrl });
  const tenant = await createBenchTenant(tessera, { spentKey: false, keys: 1 });
  if (!tenant.apiKeyIds) throw new Error(`no API key for the cold rows: ${tenant.apiKeyProblem}`);
  const store = tessera.sqlitePath
    ? { sqlitePath: tessera.sqlitePath }
    : { mysqlUrl: databaseUrl! };
  const seeded = await seedKeys(store, tessera.masterKey, tenant.apiKeyIds[0], keys);
  return { tessera, keys: seeded, presented: 0 };
}

/** The next key not yet presented (the row would measure the cache if one came twice). */
function nextColdKey(instance: ColdInstance): () => Record<string, string> {
  return () => {
    if (instance.presented >= instance.keys.length) {
      throw new Error('the cold row ran out of keys: it would present one twice');
    }
    return { 'x-api-key': instance.keys[instance.presented++] };
  };
}

async function main(): Promise<void> {
  const settings = readSettings();
  console.log(
    `Tessera bench: ${CONNECTIONS} connections, ${settings.warmupSeconds} s warm-up + ` +
      `${settings.durationSeconds} s per row; node ${process.version}, ${cpus().length} CPUs, ` +
      `Redis ${settings.redisUrl ? 'on' : 'off'}`,
  );

  const pinning = choosePinning();
  if (pinning) pinThisProcess(pinning.loadCore);
  console.log(
    pinning
      ? `servers on CPU ${pinning.serverCore}, load on CPU ${pinning.loadCore} (BENCH_PIN=0: unpinned)`
      : 'not pinned to CPUs (needs 2 CPUs and taskset)',
  );
  const core = pinning?.serverCore;
  const bare = await startBareServer({ core });
  // The default configuration, as `npm start` runs it: the main rows.
  const tessera = await startTessera({ redisUrl: settings.redisUrl, core });
  // The same with request lines off (LOG_LEVEL=warn): the tuned rows beside them.
  const tuned = await startTessera({ redisUrl: settings.redisUrl, core, env: TUNED_ENV });
  // Made-up keys lock the client's network out of key look-ups for the rest of the minute
  // (ApiKeyVerifier.lookUp), and the other rows' keys, each looked up again when its cache entry
  // ends, would then be refused too. The guessing client gets an instance of its own, with its
  // own Redis counters: the lock is counted there.
  const guessed = await startTessera({
    redisUrl: settings.redisUrl ? guessingClientRedis(settings.redisUrl) : undefined,
    core,
  });
  // The OAuth rows count per client on public routes: an instance whose limit a run cannot reach.
  // They are measured as before issue #19, with LOG_LEVEL=warn.
  const oauth = await startTessera({
    redisUrl: settings.redisUrl,
    core,
    env: {
      ...TUNED_ENV,
      PUBLIC_RATE_LIMIT_PER_MINUTE: String(OAUTH_PUBLIC_RATE_LIMIT_PER_MINUTE),
    },
  });
  // Logins beside verify: an instance whose public routes do not limit the logins.
  const logins = await startTessera({
    redisUrl: settings.redisUrl,
    core,
    env: { PUBLIC_RATE_LIMIT_PER_MINUTE: String(LOGINS_PUBLIC_RATE_LIMIT_PER_MINUTE) },
  });
  // Cold keys, on SQLite and on MariaDB, without Redis (the database is what they measure).
  const coldWanted = COLD_WARMUP_KEYS + COLD_KEYS;
  // A few more than presented: autocannon may build a request or two it does not send.
  const coldSqlite = await startColdInstance(core, undefined, MEMORY_KEYS + SPARE_KEYS);
  const mariadb = await benchDatabase();
  const coldMariadb =
    'url' in mariadb ? await startColdInstance(core, mariadb.url, coldWanted + SPARE_KEYS) : null;

  // The yardstick of the token rows, measured 1 s right before each client_credentials slice
  // rather than once before them: the machine drifts by a third within minutes (one early sample
  // set the ratio anywhere from 0.28 to 0.54 on the same code, runs 45-47), and a sample at the
  // start of each round was up to half a minute from the slice (run 61's first round: RSA 3,449/s
  // at its start, 2,448/s at the next).
  const rsaSamples: number[] = [];
  const sampleRsaSigns = async () => {
    rsaSamples.push(await measureRsaSignsPerSecond(core, 1));
  };
  const credentials = await createBenchTenant(tessera);
  // Keys with usage credits, on the main instance: each request spends one (in Redis with
  // BENCH_REDIS_URL, in memory without).
  const creditCredentials = await createBenchTenant(tessera, {
    spentKey: false,
    keys: API_KEYS,
    remaining: CREDITS_PER_KEY,
  });
  const tunedCredentials = await createBenchTenant(tuned, { spentKey: false, keys: API_KEYS });
  const loginCredentials = await createBenchTenant(logins, { spentKey: false, keys: API_KEYS });
  const oauthCredentials = await createOAuthTenant(oauth);
  if (credentials.apiKeyProblem) {
    console.log(`note: no API key, skipping its rows (${credentials.apiKeyProblem})`);
  }
  const unknownKey = oneUnknownKey();
  expectStatus(
    await call(tessera.baseUrl, 'GET', '/v1/auth/verify', { apiKey: unknownKey }),
    401,
    'GET /v1/auth/verify with an unknown key',
  );

  const verifyUrl = `${tessera.baseUrl}/v1/auth/verify`;
  const apiKeyRowName = 'GET /v1/auth/verify (X-API-Key)';
  const apiKeyPacedRowName = 'verify (X-API-Key), paced';
  // Half of /v1/health's warm-up req/s (a fixed 5,000/s if there was no warm-up).
  let healthWarmUpRate: number | null = null;
  const pacedRate = () => Math.round((healthWarmUpRate ?? 10_000) * PACED_SHARE_OF_HEALTH);
  const spentKeyRowName = 'spent key (429)';
  const creditsRowName = 'verify (X-API-Key), keys with credits';
  const nextMadeUpKey = madeUpKeys();
  const keyHeaders = (keys: string[] | undefined) =>
    (keys ?? []).map((key) => ({ 'x-api-key': key }));
  const coldRequestsPerSlice = Math.floor(COLD_KEYS / settings.slices);
  const coldLoad = (id: RowId, name: string, instance: ColdInstance): Load => ({
    id,
    name,
    url: `${instance.tessera.baseUrl}/v1/auth/verify`,
    serverPid: instance.tessera.pid,
    headers: [],
    nextHeaders: nextColdKey(instance),
    expect: [200],
    requestsPerSlice: coldRequestsPerSlice,
    warmupRequests: COLD_WARMUP_KEYS,
  });
  const loginBody = JSON.stringify({
    email: loginCredentials.email,
    password: loginCredentials.password,
  });
  // A burst: every connection sends its login at the start of each second.
  const loginBurst = (seconds: number) =>
    autocannon({
      url: `${logins.baseUrl}/v1/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: loginBody,
      connections: LOGINS_PER_SECOND,
      overallRate: LOGINS_PER_SECOND,
      duration: seconds + 1,
    });
  // Last, as its SP-initiated logins wait 10 minutes for their answer (bench/saml-acs.ts).
  const samlAcs = await prepareSamlAcs(
    oauth.baseUrl,
    settings.warmupSeconds + settings.durationSeconds + REWARM_SECONDS * settings.slices,
  );
  console.log(`SAML ACS: ${samlAcs.size} signed responses, each to its own pending login`);
  const loads: Load[] = [
    {
      id: 'bare',
      name: 'bare node:http',
      url: `${bare.baseUrl}/`,
      serverPid: bare.pid,
      headers: [{}],
      expect: [200],
    },
    {
      id: 'health',
      name: 'GET /v1/health',
      url: `${tessera.baseUrl}/v1/health`,
      serverPid: tessera.pid,
      headers: [{}],
      expect: [200],
    },
    ...(credentials.apiKeys
      ? [
          {
            id: 'api_key' as const,
            name: apiKeyRowName,
            url: verifyUrl,
            serverPid: tessera.pid,
            headers: keyHeaders(credentials.apiKeys),
            expect: [200],
          },
        ]
      : []),
    ...(creditCredentials.apiKeys
      ? [
          {
            id: 'api_key_credits' as const,
            name: creditsRowName,
            url: verifyUrl,
            serverPid: tessera.pid,
            headers: keyHeaders(creditCredentials.apiKeys),
            expect: [200],
          },
        ]
      : []),
    {
      id: 'jwt',
      name: 'GET /v1/auth/verify (Bearer JWT)',
      url: verifyUrl,
      serverPid: tessera.pid,
      headers: [{ authorization: `Bearer ${credentials.accessToken}` }],
      expect: [200],
    },
    // The same two verifies at half the load /v1/health took in its warm-up: their latency
    // when the server is busy but not saturated.
    ...(credentials.apiKeys
      ? [
          {
            id: 'api_key_paced' as const,
            name: apiKeyPacedRowName,
            url: verifyUrl,
            serverPid: tessera.pid,
            headers: keyHeaders(credentials.apiKeys),
            expect: [200],
            overallRate: pacedRate,
          },
        ]
      : []),
    {
      id: 'jwt_paced',
      name: 'verify (Bearer JWT), paced',
      url: verifyUrl,
      serverPid: tessera.pid,
      headers: [{ authorization: `Bearer ${credentials.accessToken}` }],
      expect: [200],
      overallRate: pacedRate,
    },
    // Their floor: a server that does nothing, at the same rate (the machine's own stalls).
    {
      id: 'bare_paced',
      name: 'bare node:http, paced',
      url: `${bare.baseUrl}/`,
      serverPid: bare.pid,
      headers: [{}],
      expect: [200],
      overallRate: pacedRate,
    },
    {
      id: 'health_tuned',
      name: 'GET /v1/health, LOG_LEVEL=warn',
      url: `${tuned.baseUrl}/v1/health`,
      serverPid: tuned.pid,
      headers: [{}],
      expect: [200],
    },
    ...(tunedCredentials.apiKeys
      ? [
          {
            id: 'api_key_tuned' as const,
            name: 'verify (X-API-Key), LOG_LEVEL=warn',
            url: `${tuned.baseUrl}/v1/auth/verify`,
            serverPid: tuned.pid,
            headers: keyHeaders(tunedCredentials.apiKeys),
            expect: [200],
          },
        ]
      : []),
    {
      id: 'jwt_tuned',
      name: 'verify (Bearer JWT), LOG_LEVEL=warn',
      url: `${tuned.baseUrl}/v1/auth/verify`,
      serverPid: tuned.pid,
      headers: [{ authorization: `Bearer ${tunedCredentials.accessToken}` }],
      expect: [200],
    },
    ...(credentials.spentKey
      ? [
          {
            id: 'rate_limited' as const,
            name: spentKeyRowName,
            url: verifyUrl,
            serverPid: tessera.pid,
            headers: [{ 'x-api-key': credentials.spentKey }],
            expect: [429],
          },
        ]
      : []),
    // A client left with a deleted key, calling on: the same key each time (the negative cache).
    {
      id: 'unknown_key',
      name: 'unknown key, repeated (401)',
      url: verifyUrl,
      serverPid: tessera.pid,
      headers: [{ 'x-api-key': unknownKey }],
      expect: [401],
    },
    // A guesser: a new well-formed key each time, 401 and then 429 once its network is locked.
    {
      id: 'made_up_keys',
      name: 'made-up keys, all distinct (401/429)',
      url: `${guessed.baseUrl}/v1/auth/verify`,
      serverPid: guessed.pid,
      headers: [],
      nextHeaders: () => ({ 'x-api-key': nextMadeUpKey() }),
      expect: [401, 429],
    },
    // Keys that are in no cache, each presented once: one database look-up each.
    coldLoad('cold_keys_sqlite', 'cold keys, each once (SQLite)', coldSqlite),
    ...(coldMariadb
      ? [coldLoad('cold_keys_mariadb', 'cold keys, each once (MariaDB)', coldMariadb)]
      : []),
    // The same verify on one instance, alone and beside a burst of logins (argon2id each).
    ...(loginCredentials.apiKeys
      ? [
          {
            id: 'verify_without_logins' as const,
            name: 'verify (X-API-Key), no logins',
            url: `${logins.baseUrl}/v1/auth/verify`,
            serverPid: logins.pid,
            headers: keyHeaders(loginCredentials.apiKeys),
            expect: [200],
          },
          {
            id: 'verify_beside_logins' as const,
            name: `verify (X-API-Key), ${LOGINS_PER_SECOND} logins/s beside`,
            url: `${logins.baseUrl}/v1/auth/verify`,
            serverPid: logins.pid,
            headers: keyHeaders(loginCredentials.apiKeys),
            expect: [200],
            beside: loginBurst,
          },
        ]
      : []),
    // A machine asking for a token (one RS256 signature each) and a resource server introspecting.
    {
      id: 'client_credentials',
      name: 'POST /oauth/token (client_credentials)',
      url: `${oauth.baseUrl}/oauth/token`,
      serverPid: oauth.pid,
      before: sampleRsaSigns,
      method: 'POST',
      body: 'grant_type=client_credentials&scope=translate%3Aread',
      headers: [
        {
          authorization: oauthCredentials.machine,
          'content-type': 'application/x-www-form-urlencoded',
        },
      ],
      expect: [200],
    },
    // A pipeline exchanging a fresh ES256 assertion each time (RFC 7523): one more verify per token.
    {
      id: 'jwt_bearer',
      name: 'POST /oauth/token (jwt-bearer)',
      url: `${oauth.baseUrl}/oauth/token`,
      serverPid: oauth.pid,
      method: 'POST',
      headers: [{ 'content-type': 'application/x-www-form-urlencoded' }],
      nextBody: jwtBearerBodies(oauthCredentials.keyFile),
      expect: [200],
    },
    {
      id: 'introspection',
      name: 'POST /oauth/introspect',
      url: `${oauth.baseUrl}/oauth/introspect`,
      serverPid: oauth.pid,
      method: 'POST',
      body: `token=${oauthCredentials.accessToken}`,
      headers: [
        {
          authorization: oauthCredentials.resourceServer,
          'content-type': 'application/x-www-form-urlencoded',
        },
      ],
      expect: [200],
    },
    // An IdP's signed response to a pending login, a fresh one each time: checked, provisioned.
    {
      id: 'saml_acs',
      name: 'POST /sso/:id/acs (signed assertion)',
      url: samlAcs.url,
      serverPid: oauth.pid,
      method: 'POST',
      headers: [{ 'content-type': 'application/x-www-form-urlencoded', cookie: samlAcs.cookie }],
      nextBody: samlAcs.nextBody,
      connections: SAML_ACS_CONNECTIONS,
      expect: [200],
    },
  ];
  const { rows: measured, besides } = await measureAll(
    settings,
    settings.rows ? loads.filter((load) => settings.rows!.includes(load.id)) : loads,
    (id, requestsPerSecond) => {
      if (id === 'health') healthWarmUpRate = requestsPerSecond;
    },
  );
  console.log(
    `Paced rows: ${pacedRate()} req/s (${PACED_SHARE_OF_HEALTH} x /v1/health's warm-up), ` +
      `${CONNECTIONS} connections`,
  );
  const rsaSignsPerSecond =
    rsaSamples.length === 0
      ? null
      : rsaSamples.reduce((sum, rate) => sum + rate, 0) / rsaSamples.length;
  if (rsaSignsPerSecond !== null) {
    console.log(
      `RSA-2048 signatures by node:crypto on the servers' core: ${Math.round(rsaSignsPerSecond)}/s ` +
        `(mean of ${rsaSamples.length} 1 s samples, one before each client_credentials slice: ` +
        `${rsaSamples.map((rate) => Math.round(rate)).join(' ')})`,
    );
  }
  const loginSlices = besides.get('verify_beside_logins');
  if (loginSlices) {
    measured.push(toRow('logins', 'POST /v1/auth/login, beside', loginSlices, [200]));
  }

  // Memory: the SQLite cold instance is shown the rest of its 100,000 keys, once each.
  const remaining = MEMORY_KEYS - coldSqlite.presented;
  if (remaining > 0) {
    process.stdout.write(`  memory: ${remaining} more distinct keys...`);
    // A keep-alive client of its own: autocannon's per-request bookkeeping made this pass
    // one of the bench's longest.
    const keys = coldSqlite.keys.slice(coldSqlite.presented, coldSqlite.presented + remaining);
    await presentKeys(`${coldSqlite.tessera.baseUrl}/v1/auth/verify`, keys);
    coldSqlite.presented += keys.length;
    process.stdout.write(' done\n');
  }
  const memory = {
    distinct_keys_presented: coldSqlite.presented,
    rss_mb_after_distinct_keys: residentMegabytes(coldSqlite.tessera.pid),
    rss_mb_after_bench: {
      default_configuration: residentMegabytes(tessera.pid),
      tuned: residentMegabytes(tuned.pid),
      made_up_keys: residentMegabytes(guessed.pid),
      logins: residentMegabytes(logins.pid),
      oauth: residentMegabytes(oauth.pid),
      cold_keys_mariadb: coldMariadb ? residentMegabytes(coldMariadb.tessera.pid) : null,
    },
  };
  const largest = Math.max(
    memory.rss_mb_after_distinct_keys ?? 0,
    ...Object.values(memory.rss_mb_after_bench).map((mb) => mb ?? 0),
  );
  const memoryCheck: TargetCheck = {
    target: `RSS < ${RSS_LIMIT_MB} MB after the bench and after ${MEMORY_KEYS.toLocaleString('en-US')} distinct keys`,
    status:
      memory.rss_mb_after_distinct_keys === null
        ? 'SKIPPED'
        : coldSqlite.presented >= MEMORY_KEYS && largest < RSS_LIMIT_MB
          ? 'PASS'
          : 'FAIL',
    actual: memory.rss_mb_after_distinct_keys === null ? null : largest,
    detail: `largest of the instances; ${coldSqlite.presented} keys presented`,
  };

  // A skipped row takes its place in the fixed order of rows, whatever order ran.
  const skippedBecause: Partial<Record<RowId, { name: string; why: string }>> = {
    cold_keys_mariadb: {
      name: 'cold keys, each once (MariaDB)',
      why: 'skipped' in mariadb ? mariadb.skipped : 'not measured',
    },
  };
  const skipped = (id: RowId): Row => ({
    id,
    name:
      skippedBecause[id]?.name ??
      (id === 'api_key'
        ? apiKeyRowName
        : id === 'rate_limited'
          ? spentKeyRowName
          : id === 'api_key_credits'
            ? creditsRowName
            : id === 'api_key_paced'
              ? apiKeyPacedRowName
              : id),
    skipped:
      (settings.rows && !settings.rows.includes(id) ? 'not in BENCH_ROWS' : undefined) ??
      skippedBecause[id]?.why ??
      (id === 'api_key_credits' ? creditCredentials.apiKeyProblem : undefined) ??
      credentials.apiKeyProblem ??
      'no API key',
  });
  const rows: Row[] = ROW_ORDER.map((id) => measured.find((row) => row.id === id) ?? skipped(id));

  const results = addRatios(rows, rsaSignsPerSecond);
  const checks = checkTargets(results, [memoryCheck]);
  console.log(`\n${formatTable(results)}\n\n${formatChecks(checks)}`);
  const rss = (mb: number | null) => (mb === null ? '-' : `${Math.round(mb)} MB`);
  console.log(
    `\nRSS after ${coldSqlite.presented.toLocaleString('en-US')} distinct keys: ` +
      `${rss(memory.rss_mb_after_distinct_keys)}; after the bench: ` +
      Object.entries(memory.rss_mb_after_bench)
        .map(([instance, mb]) => `${instance} ${rss(mb)}`)
        .join(', '),
  );
  for (const note of notesFor(results)) console.log(`note: ${note}`);
  console.log(roundByRound(results));

  if (settings.rows) {
    console.log('bench/results.json not written: BENCH_ROWS measured a subset of the rows');
    return;
  }
  const file = resultsFile(settings.redisUrl !== undefined);
  writeResults(file, {
    timestamp: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    settings: {
      connections: CONNECTIONS,
      duration_seconds: settings.durationSeconds,
      slices: settings.slices,
      warmup_seconds: settings.warmupSeconds,
      redis: settings.redisUrl !== undefined,
      api_keys_in_turn: API_KEYS,
      credits_per_key: CREDITS_PER_KEY,
      cold_keys: COLD_KEYS,
      logins_per_second: LOGINS_PER_SECOND,
      latency_resolution_ms: 1,
      cpu_pinning: pinning
        ? { server_cpu: pinning.serverCore, load_cpu: pinning.loadCore }
        : 'none',
    },
    rsa_2048_signatures_per_second: rsaSignsPerSecond,
    rsa_2048_signature_samples: rsaSamples,
    rows: results,
    memory,
    targets: checks,
  });
  console.log(`\nwrote ${file}`);
}

// Whatever happens, the child processes go: on success, on error, on Ctrl-C, and (as a last
// resort, synchronously) when this process exits for any other reason.
process.once('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers`);
    void stopAll().finally(() => process.exit(128 + constants.signals[signal]));
  });
}

async function run(): Promise<number> {
  try {
    await main();
    return 0;
  } catch (error) {
    console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    pacedLoads.stop();
    await stopAll();
    await dropBenchDatabases();
  }
}

// Exit explicitly: a keep-alive socket left by the load generator must not hold the process open.
void run().then((code) => process.exit(code));

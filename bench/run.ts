// `npm run bench`: how fast Tessera verifies a credential, next to /v1/health (the framework's
// floor) and a bare node:http server (the machine's ceiling), and how fast it refuses one (a spent
// key, an unknown key, made-up keys), next to the allowed verify. The servers run as child
// processes; autocannon, the load generator, runs here. Results go to stdout and bench/results.json.
//
//   BENCH_DURATION=10  seconds measured per row      BENCH_WARMUP=3  seconds of warm-up before
//   BENCH_SLICES=10    slices each row's seconds are split into, interleaved with the other rows
//   BENCH_REDIS_URL    run Tessera with REDIS_URL (default: no Redis)
//   BENCH_PIN=0        leave processes to the scheduler (default: servers on CPU 0, load on CPU 1)
import autocannon from 'autocannon';
import type { RequestParams } from 'autocannon';
import { randomBytes, randomUUID } from 'node:crypto';
import { constants, cpus } from 'node:os';
import { join } from 'node:path';
import { choosePinning, pinThisProcess } from './cpu-pinning';
import { jwtBearerBodies, KeyFile } from './jwt-bearer-assertions';
import { madeUpKeys, oneUnknownKey } from './made-up-keys';
import { cpuTimeMicroseconds } from './server-cpu';
import {
  killAllNow,
  measureRsaSignsPerSecond,
  REPO_ROOT,
  RunningTessera,
  startBareServer,
  startTessera,
  stopAll,
} from './processes';
import {
  addRatios,
  checkTargets,
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
const ROW_ORDER: RowId[] = [
  'bare',
  'health',
  'api_key',
  'jwt',
  'rate_limited',
  'unknown_key',
  'made_up_keys',
  'client_credentials',
  'jwt_bearer',
  'introspection',
];
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

function readSettings(): Settings {
  return {
    durationSeconds: secondsFromEnv('BENCH_DURATION', 10, 1),
    warmupSeconds: secondsFromEnv('BENCH_WARMUP', 3, 0),
    slices: Math.floor(secondsFromEnv('BENCH_SLICES', 10, 1)),
    redisUrl: process.env.BENCH_REDIS_URL || undefined,
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
 * Keys share the load: at ~40k requests/s a 13 s run sends several times one key's maximum
 * hourly limit (100,000). Each stays cached; the limiter counts each against its own limit.
 */
const API_KEYS = 12;

interface Credentials {
  accessToken: string;
  apiKeys?: string[];
  /** A key whose hourly limit is used up: every verify with it is refused with 429. */
  spentKey?: string;
  /** Why there is no API key (the endpoint may not exist yet). */
  apiKeyProblem?: string;
}

async function createBenchTenant(tessera: RunningTessera): Promise<Credentials> {
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
  for (let i = 0; i < API_KEYS; i++) {
    const created = await call(baseUrl, 'POST', '/v1/api-keys', {
      token: accessToken,
      body: {
        name: `bench-${i}`,
        scopes: ['translate:read'],
        rate_limit_per_hour: API_KEY_RATE_LIMIT_PER_HOUR,
      },
    });
    if (created.status !== 201 || typeof created.body.key !== 'string') {
      return { accessToken, apiKeyProblem: `POST /v1/api-keys answered ${describe(created)}` };
    }
    apiKeys.push(created.body.key);
  }
  const spent = await call(baseUrl, 'POST', '/v1/api-keys', {
    token: accessToken,
    body: {
      name: 'bench-spent',
      scopes: ['translate:read'],
      rate_limit_per_hour: SPENT_KEY_RATE_LIMIT_PER_HOUR,
    },
  });
  if (spent.status !== 201 || typeof spent.body.key !== 'string') {
    return { accessToken, apiKeyProblem: `POST /v1/api-keys answered ${describe(spent)}` };
  }
  await spendQuota(baseUrl, spent.body.key);
  return { accessToken, apiKeys, spentKey: spent.body.key };
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
    connections: CONNECTIONS,
    requests:
      nextHeaders || nextBody
        ? [{ method, setupRequest: perRequest }]
        : load.headers.map((set) => ({ method, headers: set, body: load.body })),
  };
}

/**
 * Each load runs BENCH_DURATION seconds in BENCH_SLICES slices taken in turn with the other loads
 * (the order rotating each round), after a warm-up of its own: a shared machine drifts by up to a
 * third within a minute, and interleaved rows all see the same drift (docs/performance.md).
 */
async function measureAll(settings: Settings, loads: Load[]): Promise<Row[]> {
  // The warm-up lets V8 optimise the hot path and fills the service's caches; it is discarded.
  if (settings.warmupSeconds > 0) {
    for (const load of loads) {
      await autocannon({ ...optionsFor(load), duration: settings.warmupSeconds });
    }
  }
  const sliceSeconds = settings.durationSeconds / settings.slices;
  const slices = new Map<RowId, Slice[]>(loads.map((load) => [load.id, []]));
  for (let round = 0; round < settings.slices; round++) {
    process.stdout.write(`  round ${round + 1}/${settings.slices}:`);
    for (let turn = 0; turn < loads.length; turn++) {
      const load = loads[(round + turn) % loads.length];
      const cpuBefore = cpuTimeMicroseconds(load.serverPid);
      const result = await autocannon({ ...optionsFor(load), duration: sliceSeconds });
      const cpuAfter = cpuTimeMicroseconds(load.serverPid);
      const serverCpuMicroseconds =
        cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
      slices.get(load.id)!.push({ result, serverCpuMicroseconds });
      process.stdout.write(` ${load.id} ${Math.round(result.requests.total / result.duration)}`);
    }
    process.stdout.write('\n');
  }
  return loads.map((load) => toRow(load.id, load.name, slices.get(load.id)!, load.expect));
}

function notesFor(rows: Row[]): string[] {
  const notes: string[] = [];
  for (const row of rows.filter(isMeasured)) {
    if (row.server_cpu_busy !== null && row.server_cpu_busy < LOAD_BOUND_BELOW) {
      notes.push(
        `${row.name}: the server kept its core ${Math.round(row.server_cpu_busy * 100)}% busy, ` +
          'so something else set the pace (the load generator, or Redis), not its CPU.',
      );
    }
    if (row.errors > 0) {
      notes.push(`${row.name}: ${row.errors} connection errors (${row.timeouts} timeouts)`);
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
  compare('health', ['api_key', 'jwt']);
  compare('api_key', ['rate_limited', 'unknown_key', 'made_up_keys']);
  compare('health', ['introspection']);
  compare('client_credentials', ['jwt_bearer']);
  return lines.join('\n');
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
  const bare = await startBareServer({ core: pinning?.serverCore });
  const tessera = await startTessera({ redisUrl: settings.redisUrl, core: pinning?.serverCore });
  // Made-up keys lock the client's network out of key look-ups for the rest of the minute
  // (ApiKeyVerifier.lookUp), and the other rows' keys, each looked up again when its cache entry
  // ends, would then be refused too. The guessing client gets an instance of its own, with its
  // own Redis counters: the lock is counted there.
  const guessed = await startTessera({
    redisUrl: settings.redisUrl ? guessingClientRedis(settings.redisUrl) : undefined,
    core: pinning?.serverCore,
  });
  // The OAuth rows count per client on public routes: an instance whose limit a run cannot reach.
  const oauth = await startTessera({
    redisUrl: settings.redisUrl,
    core: pinning?.serverCore,
    env: { PUBLIC_RATE_LIMIT_PER_MINUTE: String(OAUTH_PUBLIC_RATE_LIMIT_PER_MINUTE) },
  });
  const rsaSignsPerSecond = await measureRsaSignsPerSecond(pinning?.serverCore);
  console.log(
    `RSA-2048 signatures by node:crypto on the servers' core: ${Math.round(rsaSignsPerSecond)}/s`,
  );
  const credentials = await createBenchTenant(tessera);
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
  const spentKeyRowName = 'spent key (429)';
  const nextMadeUpKey = madeUpKeys();
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
            headers: credentials.apiKeys.map((key) => ({ 'x-api-key': key })),
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
    // A machine asking for a token (one RS256 signature each) and a resource server introspecting.
    {
      id: 'client_credentials',
      name: 'POST /oauth/token (client_credentials)',
      url: `${oauth.baseUrl}/oauth/token`,
      serverPid: oauth.pid,
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
  ];
  const measured = await measureAll(settings, loads);
  // A skipped row takes its place in the fixed order of rows, whatever order ran.
  const skipped = (id: RowId, name: string): Row => ({
    id,
    name,
    skipped: credentials.apiKeyProblem ?? 'no API key',
  });
  const rows: Row[] = ROW_ORDER.map(
    (id) =>
      measured.find((row) => row.id === id) ??
      skipped(id, id === 'api_key' ? apiKeyRowName : spentKeyRowName),
  );

  const results = addRatios(rows, rsaSignsPerSecond);
  const checks = checkTargets(results);
  console.log(`\n${formatTable(results)}\n\n${formatChecks(checks)}`);
  for (const note of notesFor(results)) console.log(`note: ${note}`);
  console.log(roundByRound(results));

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
      latency_resolution_ms: 1,
      cpu_pinning: pinning
        ? { server_cpu: pinning.serverCore, load_cpu: pinning.loadCore }
        : 'none',
    },
    rsa_2048_signatures_per_second: rsaSignsPerSecond,
    rows: results,
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
    await stopAll();
  }
}

// Exit explicitly: a keep-alive socket left by the load generator must not hold the process open.
void run().then((code) => process.exit(code));

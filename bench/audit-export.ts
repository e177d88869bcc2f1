// `npm run bench:audit-export`: does GET /v1/audit-logs/export stream a large chain with bounded
// memory? Seeds one organization's chain with AUDIT_EVENTS valid events (default 100,000), then
// streams the export over a real socket while sampling the heap, and verifies the chain. Results go
// to stdout and bench/audit-export-results.json; the process exits non-zero when a check fails.
//
//   AUDIT_EVENTS=100000          events inserted into the chain (beyond registration's own)
//   BENCH_DATABASE_URL=mysql://  run against MySQL/MariaDB instead of a temporary SQLite file
//
// Client and server share this process, so the heap measured includes both sides. The old space is
// capped at 96 MB, as uncapped V8 lets garbage pile up and the heap grows with the export's size
// although nothing is retained (docs/performance.md).
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet, IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { uuidv7 } from '../src/common/ids';
import { AUDIT_ACTIONS } from '../src/modules/audit/audit-actions';
import { eventHash, GENESIS_HASH } from '../src/modules/audit/audit-chain';
import { AuditAnchorSigner } from '../src/modules/audit/audit-anchor-signer';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
import { AuditWriter, chainedFields } from '../src/modules/audit/audit-writer';
import { AuditRepository } from '../src/modules/audit/audit.repository';

/** dist/bench/audit-export.js → the repository root. */
const REPO_ROOT = resolve(__dirname, '..', '..');
const RESULTS_FILE = join(REPO_ROOT, 'bench', 'audit-export-results.json');
const INSERT_BATCH = 500;
const SAMPLE_INTERVAL_MS = 20;
const HEAP_GROWTH_LIMIT_MB = 50;
const MB = 1024 * 1024;

function eventsFromEnv(): number {
  const raw = process.env.AUDIT_EVENTS;
  if (raw === undefined || raw.trim() === '') return 100_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`AUDIT_EVENTS must be a positive integer, got "${raw}"`);
  }
  return value;
}

const toMb = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;

function forceGc(): void {
  if (!global.gc) throw new Error('Run with node --expose-gc (npm run bench:audit-export does)');
  global.gc();
  global.gc();
}

// ---------------------------------------------------------------------------------------------
// The application and the organization whose chain is exported

interface Bench {
  app: NestFastifyApplication;
  baseUrl: string;
  adminToken: string;
  dataDir: string;
  database: string;
}

async function startApp(): Promise<Bench> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-audit-export-'));
  const adminToken = `bench-admin-${randomBytes(16).toString('hex')}`;
  const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    SQLITE_PATH: join(dataDir, 'tessera.sqlite'),
    TESSERA_DATA_DIR: dataDir,
    DB_MIGRATIONS_RUN: 'true',
    TESSERA_MASTER_KEY: randomBytes(20).toString('hex'),
    TESSERA_ADMIN_TOKEN: adminToken,
    TESSERA_ISSUER: 'http://tessera.bench',
    REDIS_URL: undefined,
    RATE_LIMITS_ENABLED: 'false',
  };
  try {
    const app = await createApp({ env });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    if (!address || typeof address === 'string') throw new Error('No TCP address to call');
    return {
      app,
      baseUrl: `http://127.0.0.1:${address.port}`,
      adminToken,
      dataDir,
      database: databaseUrl ? 'mysql (BENCH_DATABASE_URL)' : 'sqlite (temporary file)',
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

interface Registered {
  userId: string;
  organizationId: string;
}

async function registerUser(baseUrl: string): Promise<Registered> {
  const suffix = randomBytes(6).toString('hex');
  const response = await fetch(`${baseUrl}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `audit-export-${suffix}@bench.example`,
      password: `bench-password-${suffix}`,
      full_name: 'Audit Export Bench',
    }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 201 || typeof body.organization_id !== 'string') {
    throw new Error(`POST /v1/auth/register answered ${response.status} ${JSON.stringify(body)}`);
  }
  return { userId: String(body.user_id), organizationId: body.organization_id };
}

// ---------------------------------------------------------------------------------------------
// Seeding: N events appended to the organization's chain, hashed exactly as AuditWriter does

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'terraform-provider-tessera/1.4.2 (+https://example.com/terraform)',
  'curl/8.7.1',
];
const SCOPE_SETS = [
  ['users:read'],
  ['users:read', 'users:write'],
  ['api_keys:read', 'compliance:read', 'users:read'],
  ['organizations:read', 'organizations:write', 'users:read', 'users:write'],
];

/** `evt_` + 32 hex that sort after every id issued so far (UUIDv7-like: time, then a counter). */
function eventId(startMs: number, index: number): string {
  return `evt_${startMs.toString(16).padStart(12, '0')}${index.toString(16).padStart(20, '0')}`;
}

interface SeedResult {
  inserted: number;
  seconds: number;
  total: number;
}

async function seedChain(
  app: NestFastifyApplication,
  owner: Registered,
  count: number,
): Promise<SeedResult> {
  const chain = owner.organizationId;
  await app.get(AuditWriter).drain(); // registration's own events are in the chain first
  const repository = app.get(AuditRepository);
  const head = await repository.head(chain);
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const events = app.get(DataSource).getRepository(AuditEvent);

  const started = performance.now();
  const startMs = Date.now();
  for (let offset = 0; offset < count; offset += INSERT_BATCH) {
    const batch: AuditEvent[] = [];
    for (let i = offset; i < Math.min(count, offset + INSERT_BATCH); i++) {
      const environment = i % 5 === 0 ? 'test' : 'live';
      seq += 1;
      const event: Omit<AuditEvent, 'hash'> = {
        id: eventId(startMs, i),
        chain,
        seq,
        occurredAt: new Date(startMs + Math.floor(i / 100)),
        organizationId: chain,
        actorType: 'user',
        actorId: owner.userId,
        actorIp: `203.0.113.${(i % 250) + 1}`,
        actorUserAgent: USER_AGENTS[i % USER_AGENTS.length],
        action: AUDIT_ACTIONS.apiKeyCreated,
        targetType: 'api_key',
        targetId: uuidv7(),
        outcome: 'success',
        requestId: `req_${randomBytes(12).toString('hex')}`,
        metadata: JSON.stringify({
          name: `ci-deploy-${i}`,
          start: `tk_${environment}_${randomBytes(3).toString('hex')}`,
          environment,
          scopes: SCOPE_SETS[i % SCOPE_SETS.length],
        }),
        prevHash,
      };
      const hash = eventHash(chainedFields(event));
      batch.push({ ...event, hash });
      prevHash = hash;
    }
    if (offset + INSERT_BATCH < count) await events.insert(batch);
    else {
      // The last batch moves the chain's signed head, as the writer does, or verify would
      // rightly report the seeded events as written around it.
      const anchor = await repository.anchor(chain);
      const start = { seq: anchor?.startSeq ?? 0, hash: anchor?.startHash ?? GENESIS_HASH };
      const next = app.get(AuditAnchorSigner).anchor(chain, start, { seq, hash: prevHash });
      await repository.appendAll(batch, { previous: anchor, next });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const total = await events.countBy({ chain });
  return { inserted: count, seconds, total };
}

// ---------------------------------------------------------------------------------------------
// Measuring: the export streamed over a socket, counted and discarded, the heap sampled meanwhile

interface MemorySample {
  heapUsed: number;
  rss: number;
}

function memory(): MemorySample {
  const usage = process.memoryUsage();
  return { heapUsed: usage.heapUsed, rss: usage.rss };
}

function adminGet(bench: Bench, organizationId: string, path: string): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const request = httpGet(
      `${bench.baseUrl}${path}`,
      {
        agent: false,
        headers: {
          authorization: `Bearer ${bench.adminToken}`,
          'x-organization-id': organizationId,
        },
      },
      resolvePromise,
    );
    request.on('error', reject);
  });
}

interface ExportResult {
  status: number;
  contentType: string | undefined;
  bytes: number;
  lines: number;
  endsWithNewline: boolean;
  firstSeq: number | null;
  lastSeq: number | null;
  seconds: number;
  samples: { timer: number; chunk: number };
  baseline: MemorySample;
  peak: MemorySample;
  afterGc: MemorySample;
}

/** The `seq` of one NDJSON line, or null when it does not parse. */
function seqOf(line: string): number | null {
  try {
    const seq = (JSON.parse(line) as { seq?: unknown }).seq;
    return typeof seq === 'number' ? seq : null;
  } catch {
    return null;
  }
}

async function measureExport(bench: Bench, organizationId: string): Promise<ExportResult> {
  forceGc();
  const baseline = memory();
  const peak = { ...baseline };
  const samples = { timer: 0, chunk: 0 };
  const sample = (source: keyof typeof samples) => {
    const now = memory();
    samples[source] += 1;
    if (now.heapUsed > peak.heapUsed) peak.heapUsed = now.heapUsed;
    if (now.rss > peak.rss) peak.rss = now.rss;
  };
  // Every 20 ms when the event loop lets the timer run, and at every chunk received, since the
  // loop is often busy for longer than 20 ms (synchronous SQLite reads, JSON serialization).
  const sampler = setInterval(() => sample('timer'), SAMPLE_INTERVAL_MS);

  const started = performance.now();
  let bytes = 0;
  let lines = 0;
  let lastByte = -1;
  let head = ''; // until the first newline: the first line
  let tail = Buffer.alloc(0); // the last few KB: the last line
  try {
    const response = await adminGet(bench, organizationId, '/v1/audit-logs/export');
    await new Promise<void>((resolvePromise, reject) => {
      response.on('data', (chunk: Buffer) => {
        sample('chunk');
        bytes += chunk.length;
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
        if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
        if (!head.includes('\n') && head.length < 64 * 1024) head += chunk.toString('utf8');
        tail = Buffer.concat([tail, chunk]);
        if (tail.length > 16 * 1024) tail = Buffer.from(tail.subarray(tail.length - 16 * 1024));
      });
      response.on('end', resolvePromise);
      response.on('error', reject);
      response.on('aborted', () => reject(new Error('Export response aborted')));
    });
    sample('timer');
    const seconds = (performance.now() - started) / 1000;
    const tailLines = tail.toString('utf8').split('\n').filter(Boolean);
    const firstLine = head.split('\n')[0];
    return {
      status: response.statusCode ?? 0,
      contentType: response.headers['content-type'],
      bytes,
      lines,
      endsWithNewline: lastByte === 10,
      firstSeq: firstLine ? seqOf(firstLine) : null,
      lastSeq: tailLines.length > 0 ? seqOf(tailLines[tailLines.length - 1]) : null,
      seconds,
      samples,
      baseline,
      peak,
      afterGc: (forceGc(), memory()),
    };
  } finally {
    clearInterval(sampler);
  }
}

interface VerifyResult {
  status: number;
  body: { valid?: unknown; events_checked?: unknown; first_broken_id?: unknown };
  seconds: number;
}

async function verifyChain(bench: Bench, organizationId: string): Promise<VerifyResult> {
  const started = performance.now();
  const response = await adminGet(bench, organizationId, '/v1/audit-logs/verify');
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const seconds = (performance.now() - started) / 1000;
  const text = Buffer.concat(chunks).toString('utf8');
  let body: VerifyResult['body'] = {};
  try {
    body = JSON.parse(text) as VerifyResult['body'];
  } catch {
    body = { valid: `unparseable: ${text.slice(0, 200)}` };
  }
  return { status: response.statusCode ?? 0, body, seconds };
}

// ---------------------------------------------------------------------------------------------
// The report

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

async function main(): Promise<void> {
  const count = eventsFromEnv();
  const bench = await startApp();
  let failed = false;
  try {
    console.log(
      `Tessera audit export bench: ${count} events, ${bench.database}, node ${process.version}`,
    );
    const owner = await registerUser(bench.baseUrl);
    console.log(`Seeding organization ${owner.organizationId} ...`);
    const seed = await seedChain(bench.app, owner, count);
    console.log(
      `Seeded ${seed.inserted} events in ${seed.seconds.toFixed(1)} s ` +
        `(${Math.round(seed.inserted / seed.seconds)} events/s); chain now holds ${seed.total}`,
    );

    const exported = await measureExport(bench, owner.organizationId);
    const verify = await verifyChain(bench, owner.organizationId);

    const growth = exported.peak.heapUsed - exported.baseline.heapUsed;
    const retained = exported.afterGc.heapUsed - exported.baseline.heapUsed;
    const checks: Check[] = [
      {
        name: `heap growth < ${HEAP_GROWTH_LIMIT_MB} MB`,
        pass: growth < HEAP_GROWTH_LIMIT_MB * MB,
        detail: `${toMb(growth)} MB`,
      },
      {
        name: 'export complete',
        pass:
          exported.status === 200 &&
          exported.lines === seed.total &&
          exported.endsWithNewline &&
          exported.firstSeq === 1 &&
          exported.lastSeq === seed.total,
        detail:
          `status ${exported.status}, ${exported.lines}/${seed.total} lines, ` +
          `seq ${exported.firstSeq}..${exported.lastSeq}`,
      },
      {
        name: 'verify valid',
        pass:
          verify.status === 200 &&
          verify.body.valid === true &&
          verify.body.events_checked === seed.total,
        detail: `status ${verify.status}, ${JSON.stringify(verify.body)}`,
      },
    ];
    failed = checks.some((check) => !check.pass);

    const rows: [string, string][] = [
      ['events in chain', String(seed.total)],
      ['events exported (lines)', String(exported.lines)],
      ['bytes exported', `${exported.bytes} (${toMb(exported.bytes)} MB)`],
      ['content type', String(exported.contentType)],
      ['export duration', `${exported.seconds.toFixed(2)} s`],
      [
        'export throughput',
        `${Math.round(exported.lines / exported.seconds)} events/s, ` +
          `${toMb(exported.bytes / exported.seconds)} MB/s`,
      ],
      ['heap baseline (after GC)', `${toMb(exported.baseline.heapUsed)} MB`],
      [
        'heap max during export',
        `${toMb(exported.peak.heapUsed)} MB (${exported.samples.timer} timer samples every ` +
          `${SAMPLE_INTERVAL_MS} ms + ${exported.samples.chunk} at chunks)`,
      ],
      ['heap growth (max - baseline)', `${toMb(growth)} MB`],
      ['heap retained after export + GC', `${toMb(retained)} MB`],
      ['rss baseline / max', `${toMb(exported.baseline.rss)} MB / ${toMb(exported.peak.rss)} MB`],
      ['verify', `${verify.seconds.toFixed(2)} s, ${JSON.stringify(verify.body)}`],
      ['seeding', `${seed.seconds.toFixed(1)} s`],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log('');
    for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
    console.log('');
    for (const check of checks) {
      console.log(`  ${check.pass ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
    }
    console.log('');
    console.log(
      '  Note: the HTTP client and the server run in this one process, so the heap figures ' +
        'include both sides (conservative for the server alone).',
    );

    writeFileSync(
      RESULTS_FILE,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          database: bench.database,
          events: seed.total,
          seeding_seconds: seed.seconds,
          export: {
            status: exported.status,
            lines: exported.lines,
            bytes: exported.bytes,
            seconds: exported.seconds,
            events_per_second: exported.lines / exported.seconds,
            first_seq: exported.firstSeq,
            last_seq: exported.lastSeq,
          },
          memory: {
            note: 'client and server share one process: the heap includes both',
            sample_interval_ms: SAMPLE_INTERVAL_MS,
            samples: exported.samples,
            heap_baseline_mb: toMb(exported.baseline.heapUsed),
            heap_max_mb: toMb(exported.peak.heapUsed),
            heap_growth_mb: toMb(growth),
            heap_retained_after_gc_mb: toMb(retained),
            rss_baseline_mb: toMb(exported.baseline.rss),
            rss_max_mb: toMb(exported.peak.rss),
          },
          verify: { status: verify.status, seconds: verify.seconds, ...verify.body },
          checks,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`  Results written to ${RESULTS_FILE}`);
  } finally {
    await bench.app.close();
    rmSync(bench.dataDir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

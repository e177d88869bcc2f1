// `npm run bench:audit-writes`: the CPU an audit event costs this process, from AuditRecorder.record
// to its row stored, in a steady stream to one organization's chain (a token endpoint audits every
// issuance: issue #14). Records AUDIT_RATE events/s (default 1,400) until AUDIT_EVENTS (default
// 20,000) are recorded, waits until all are stored, and reports the process's CPU time (user +
// system) per event and the events per batch. AUDIT_RATE=0 records them all at once;
// AUDIT_CHAINS (default 1) spreads them over that many organizations, in turn.
//
//   BENCH_DATABASE_URL=mysql://  run against MySQL/MariaDB instead of a temporary SQLite file
//                                (the database server's own CPU is not counted)
//   BENCH_CPU_PROFILE=file       a CPU profile of the measured part alone (.cpuprofile)
//
// The chain is verified at the end. Small and short: not part of `npm run bench`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.factory';
import { AUDIT_ACTIONS } from '../src/modules/audit/audit-actions';
import { AuditLogReader } from '../src/modules/audit/audit-log-reader.service';
import { AuditRecorder } from '../src/modules/audit/audit-recorder.service';
import { AuditWriter } from '../src/modules/audit/audit-writer';
import { AuditRepository } from '../src/modules/audit/audit.repository';

const TICK_MS = 5;
const IDLE_MS = 2_000;

function positiveFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

async function main(): Promise<void> {
  const total = positiveFromEnv('AUDIT_EVENTS', 20_000);
  const rate = positiveFromEnv('AUDIT_RATE', 1_400);
  const chains = Math.max(1, positiveFromEnv('AUDIT_CHAINS', 1));
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-audit-writes-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
  const app = await createApp({
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      SQLITE_PATH: join(dataDir, 'tessera.sqlite'),
      TESSERA_DATA_DIR: dataDir,
      DB_MIGRATIONS_RUN: 'true',
      TESSERA_MASTER_KEY: randomBytes(20).toString('hex'),
      TESSERA_ADMIN_TOKEN: `bench-admin-${randomBytes(16).toString('hex')}`,
      TESSERA_ISSUER: 'http://tessera.bench',
      REDIS_URL: undefined,
      RATE_LIMITS_ENABLED: 'false',
      AUDIT_MAX_QUEUED_EVENTS: String(Math.max(50_000, total)),
    },
  });
  try {
    const recorder = app.get(AuditRecorder);
    const writer = app.get(AuditWriter);
    const repository = app.get(AuditRepository);
    const organizations = Array.from(
      { length: chains },
      () => `org_bench_${randomBytes(6).toString('hex')}`,
    );
    let batches = 0;
    const appendAll = repository.appendAll.bind(repository);
    repository.appendAll = (events, anchor) => {
      batches += 1;
      return appendAll(events, anchor);
    };
    const origin = { ip: '203.0.113.7', userAgent: 'bench-client/1.0', requestId: null };
    const record = (n: number) =>
      recorder.record(AUDIT_ACTIONS.oauthTokenIssued, {
        organizationId: organizations[(n + chains) % chains],
        actor: { type: 'oauth_client', id: 'cli_bench' },
        origin: { ...origin, requestId: `req-${n}` },
        target: { type: 'oauth_client', id: 'cli_bench' },
        metadata: { grant_type: 'client_credentials', scopes: 'models:read translate:read' },
      });
    // A first event per chain outside the measurement: anchors made, statements prepared.
    for (let n = 0; n < chains; n++) record(n - chains);
    await writer.drain();
    batches = 0;

    // What the process spends meanwhile without recording (timers, the tick loop): not subtracted.
    const idleBefore = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idle = process.cpuUsage(idleBefore);

    const profiler = process.env.BENCH_CPU_PROFILE ? new Session() : null;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    let recorded = 0;
    if (rate === 0) {
      while (recorded < total) record(recorded++);
    } else {
      await new Promise<void>((resolve) => {
        const tick = () => {
          const due = Math.min(total, Math.floor(((performance.now() - startedAt) * rate) / 1000));
          while (recorded < due) record(recorded++);
          if (recorded < total) setTimeout(tick, TICK_MS);
          else resolve();
        };
        tick();
      });
    }
    await writer.drain();
    const elapsedMs = performance.now() - startedAt;
    const cpu = process.cpuUsage(cpuBefore);
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(process.env.BENCH_CPU_PROFILE!, JSON.stringify(profile));
      profiler.disconnect();
    }

    const reader = app.get(AuditLogReader);
    let valid = true;
    let checked = 0;
    for (const organizationId of organizations) {
      const verify = await reader.verify(organizationId);
      valid &&= verify.valid;
      checked += verify.events_checked;
    }
    const cpuUs = cpu.user + cpu.system;
    console.log(
      JSON.stringify({
        database: databaseUrl ? 'mysql' : 'sqlite',
        events: total,
        rate_per_s: rate || 'all at once',
        chains,
        elapsed_ms: Math.round(elapsedMs),
        cpu_us_per_event: Math.round((cpuUs / total) * 10) / 10,
        of_which_system: Math.round((cpu.system / total) * 10) / 10,
        idle_cpu_ms_per_s: Math.round(((idle.user + idle.system) / IDLE_MS) * 10) / 10,
        batches,
        events_per_batch: Math.round((total / batches) * 10) / 10,
        chains_valid: valid,
        events_checked: checked,
      }),
    );
    if (!valid || checked !== total + chains) process.exitCode = 1;
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

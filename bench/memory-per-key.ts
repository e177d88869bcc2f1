// What a cached API key costs in memory (issue #19): one instance (SQLite, no Redis), keys written
// straight to its database, shown once each in steps, its RSS read after each step.
//   node dist/bench/memory-per-key.js [total=100000] [step=20000]
// PROBE=/path/preload.js preloads a probe in the instance (NODE_OPTIONS -r); before each reading
// the bench touches PROBE_TRIGGER (default /tmp/h9-mem.trigger) and waits PROBE_WAIT_MS (1500)
// for it, e.g. to log process.memoryUsage() or write a heap snapshot.
// MEMORY_SHAPE=bench: as `npm run bench`'s 100,000-key instance is driven (bench/run.ts), rate
// limits on (each key with an hourly limit, the organization's lifted), the cold rows' keys
// (bench/cold-rows.ts: 26,000) through autocannon at 50 connections as they are sent there, the
// rest as below.
// MEMORY_ENV='NAME=value ...' adds to the instance's environment (e.g. MALLOC_ARENA_MAX=2).
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { COLD_KEYS, COLD_WARMUP_KEYS } from './cold-rows';
import { presentKeys } from './present-keys';
import { cpuTimeMicroseconds } from './server-cpu';
import { residentMegabytes, startTessera, stopAll } from './processes';
import { seedKeys } from './seed-keys';

async function json(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 100_000);
  const step = Number(process.argv[3] ?? 20_000);
  const benchShape = process.env.MEMORY_SHAPE === 'bench';
  const tessera = await startTessera({
    env: {
      ...(benchShape ? {} : { RATE_LIMITS_ENABLED: 'false' }),
      ...(process.env.PROBE ? { NODE_OPTIONS: `-r ${process.env.PROBE}` } : {}),
      ...Object.fromEntries(
        (process.env.MEMORY_ENV ?? '')
          .split(' ')
          .filter(Boolean)
          .map((setting) => setting.split('=', 2)),
      ),
    },
  });
  const probe = async () => {
    if (!process.env.PROBE) return;
    writeFileSync(process.env.PROBE_TRIGGER ?? '/tmp/h9-mem.trigger', '');
    await new Promise((r) => setTimeout(r, Number(process.env.PROBE_WAIT_MS ?? 1500)));
  };
  const base = tessera.baseUrl;
  const email = `mem-${Date.now()}@example.com`;
  const password = 'memory-bench-password-1';
  const registered = await json(`${base}/v1/auth/register`, {
    method: 'POST',
    body: JSON.stringify({ email, password, full_name: 'Memory' }),
  });
  if (benchShape) {
    await json(`${base}/v1/organizations/${String(registered.organization_id)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${tessera.adminToken}` },
      body: JSON.stringify({ plan: 'enterprise', rate_limit_per_minute: 1_000_000 }),
    });
  }
  const login = await json(`${base}/v1/auth/login`, {
    method: 'POST',
    body: JSON.stringify({ email, password }),
  });
  const created = await json(`${base}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${String(login.access_token)}` },
    body: JSON.stringify({
      name: 'template',
      scopes: ['translate:read'],
      ...(benchShape ? { rate_limit_per_hour: 100_000 } : {}),
    }),
  });
  const keys = await seedKeys(
    { sqlitePath: tessera.sqlitePath! },
    tessera.masterKey,
    String(created.id),
    total,
  );
  const url = `${base}/v1/auth/verify`;
  await presentKeys(url, [String(created.key)], 1);
  await probe();
  const before = residentMegabytes(tessera.pid)!;
  console.log(`RSS before: ${before.toFixed(1)} MB`);
  const coldRowKeys = benchShape ? COLD_WARMUP_KEYS + COLD_KEYS : 0;
  for (let done = 0; done < total; done += step) {
    const started = Date.now();
    const cpuBefore = cpuTimeMicroseconds(tessera.pid)!;
    const stepKeys = keys.slice(done, done + step);
    const throughAutocannon = Math.max(0, Math.min(stepKeys.length, coldRowKeys - done));
    if (throughAutocannon > 0) await coldRow(url, stepKeys.slice(0, throughAutocannon));
    await presentKeys(url, stepKeys.slice(throughAutocannon));
    const cpu = (cpuTimeMicroseconds(tessera.pid)! - cpuBefore) / step;
    await probe();
    const rss = residentMegabytes(tessera.pid)!;
    console.log(
      `${done + step} keys: RSS ${rss.toFixed(1)} MB (${(((rss - before) * 1024 * 1024) / (done + step)).toFixed(0)} B/key), ` +
        `${Math.round((step * 1000) / (Date.now() - started))} keys/s, server CPU ${cpu.toFixed(0)} us/key`,
    );
  }
}

/** The keys sent as the bench's cold rows send them: autocannon, 50 connections, 2,000 a slice. */
async function coldRow(url: string, keys: string[]): Promise<void> {
  for (let sent = 0; sent < keys.length; sent += 2_000) {
    const slice = keys.slice(sent, sent + 2_000);
    let next = 0;
    const result = await autocannon({
      url,
      connections: 50,
      amount: slice.length,
      requests: [
        {
          method: 'GET',
          setupRequest: (r) => ({
            ...r,
            headers: { 'x-api-key': slice[Math.min(next++, slice.length - 1)] },
          }),
        },
      ],
    });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`cold row: ${result.non2xx} non-2xx`);
  }
}

void main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());

// What a cached API key costs in memory (issue #19): one instance (SQLite, no Redis), keys written
// straight to its database, shown once each in steps, its RSS read after each step.
//   node dist/bench/memory-per-key.js [total=100000] [step=20000]
// PROBE=/path/preload.js preloads a probe in the instance (NODE_OPTIONS -r); before each reading
// the bench touches PROBE_TRIGGER (default /tmp/h9-mem.trigger) and waits PROBE_WAIT_MS (1500)
// for it, e.g. to log process.memoryUsage() or write a heap snapshot.
import { writeFileSync } from 'node:fs';
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
  const tessera = await startTessera({
    env: {
      RATE_LIMITS_ENABLED: 'false',
      ...(process.env.PROBE ? { NODE_OPTIONS: `-r ${process.env.PROBE}` } : {}),
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
  void registered;
  const login = await json(`${base}/v1/auth/login`, {
    method: 'POST',
    body: JSON.stringify({ email, password }),
  });
  const created = await json(`${base}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${String(login.access_token)}` },
    body: JSON.stringify({ name: 'template', scopes: ['translate:read'] }),
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
  for (let done = 0; done < total; done += step) {
    const started = Date.now();
    const cpuBefore = cpuTimeMicroseconds(tessera.pid)!;
    await presentKeys(url, keys.slice(done, done + step));
    const cpu = (cpuTimeMicroseconds(tessera.pid)! - cpuBefore) / step;
    await probe();
    const rss = residentMegabytes(tessera.pid)!;
    console.log(
      `${done + step} keys: RSS ${rss.toFixed(1)} MB (${(((rss - before) * 1024 * 1024) / (done + step)).toFixed(0)} B/key), ` +
        `${Math.round((step * 1000) / (Date.now() - started))} keys/s, server CPU ${cpu.toFixed(0)} us/key`,
    );
  }
}

void main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());

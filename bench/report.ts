// Turns autocannon results into the rows, the target checks, the printed table and results.json.
import type { Result } from 'autocannon';
import { renameSync, writeFileSync } from 'node:fs';

export type RowId =
  | 'bare'
  | 'health'
  | 'api_key'
  | 'jwt'
  | 'rate_limited'
  | 'unknown_key'
  | 'made_up_keys'
  | 'client_credentials'
  | 'jwt_bearer'
  | 'introspection'
  // Issue #19: the tuned configuration beside the default one, cold keys, logins beside verify.
  | 'health_tuned'
  | 'api_key_tuned'
  | 'jwt_tuned'
  | 'cold_keys_sqlite'
  | 'cold_keys_mariadb'
  | 'verify_without_logins'
  | 'verify_beside_logins'
  | 'logins'
  | 'saml_acs'
  // Issue #20: the same verify with keys that carry usage credits (one spent per request).
  | 'api_key_credits'
  // Issue #19: the verify rows' latency at half the load /v1/health can take (not saturated).
  | 'api_key_paced'
  | 'jwt_paced'
  // The machine's own latency at that load: a bare node:http server, paced the same way.
  | 'bare_paced';

/**
 * The /v1/health row each row is compared with: its own instance's. The tuned rows run on an
 * instance of their own (LOG_LEVEL=warn); every other row is compared with the default one's.
 */
const HEALTH_OF: Partial<Record<RowId, RowId>> = {
  health_tuned: 'health_tuned',
  api_key_tuned: 'health_tuned',
  jwt_tuned: 'health_tuned',
};

export interface MeasuredRow {
  id: RowId;
  name: string;
  requests_per_second: number;
  /** autocannon records latency in whole milliseconds (a fast answer shows as 0). */
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  /** Every status code seen, with its count (the 2xx ones too). */
  status_codes: Record<string, number>;
  /** The statuses the row is meant to measure (200 for a verify, 429 for a spent key...). */
  expected_statuses: number[];
  /** Connection errors, timeouts included: requests that got no answer at all. */
  errors: number;
  timeouts: number;
  /** Requests/s of each slice, in the order they ran (how much the machine drifted). */
  slices_requests_per_second: number[];
  /**
   * User + system CPU time the server spent per request answered, all its threads (a little under
   * the whole cost: on loopback the sender pays part of the receiving); null without /proc.
   */
  server_cpu_us_per_request: number | null;
  /**
   * How much of one core the server used while the row ran. Well under 1 means the server was
   * waiting on something else (the load generator, or Redis), not on its own CPU.
   */
  server_cpu_busy: number | null;
  ratio_to_health: number | null;
  ratio_to_bare: number | null;
  /** Relative to the allowed API-key verify: what a refused caller costs next to an allowed one. */
  ratio_to_verify: number | null;
  /**
   * Relative to the RSA-2048 signatures node:crypto alone makes per second on the servers' core:
   * how close a token endpoint row comes to the cost of the one signature each token needs.
   */
  ratio_to_rsa_sign: number | null;
  /** Relative to client_credentials: what the JWT bearer grant's assertion check adds. */
  ratio_to_client_credentials: number | null;
  /**
   * The verify beside logins only: its p99 over the p99 of the same verify without them (each
   * at least 1 ms: autocannon's resolution).
   */
  p99_to_without_logins: number | null;
}

export interface SkippedRow {
  id: RowId;
  name: string;
  skipped: string;
}

export type Row = MeasuredRow | SkippedRow;

export interface TargetCheck {
  target: string;
  status: 'PASS' | 'FAIL' | 'SKIPPED';
  actual: number | null;
  detail?: string;
}

interface TargetDefinition {
  description: string;
  row: RowId;
  metric:
    | 'ratio_to_health'
    | 'ratio_to_bare'
    | 'ratio_to_verify'
    | 'ratio_to_rsa_sign'
    | 'ratio_to_client_credentials'
    | 'p99_to_without_logins'
    | 'p99_ms';
  comparison: '>=' | '<' | '<=';
  threshold: number;
}

/** The goals of the performance issues. */
const TARGETS: TargetDefinition[] = [
  // Issue #19: fast as deployed, in the default configuration (request log lines at info).
  {
    description: 'default configuration: JWT verify >= 0.8 x /v1/health',
    row: 'jwt',
    metric: 'ratio_to_health',
    comparison: '>=',
    threshold: 0.8,
  },
  {
    description: 'default configuration: API key verify p99 <= 5 ms',
    row: 'api_key',
    metric: 'p99_ms',
    comparison: '<=',
    threshold: 5,
  },
  {
    description: 'default configuration: JWT verify p99 <= 5 ms',
    row: 'jwt',
    metric: 'p99_ms',
    comparison: '<=',
    threshold: 5,
  },
  {
    description: 'default configuration, at half /v1/health req/s: API key verify p99 <= 5 ms',
    row: 'api_key_paced',
    metric: 'p99_ms',
    comparison: '<=',
    threshold: 5,
  },
  {
    description: 'default configuration, at half /v1/health req/s: JWT verify p99 <= 5 ms',
    row: 'jwt_paced',
    metric: 'p99_ms',
    comparison: '<=',
    threshold: 5,
  },
  {
    description: 'cold keys (SQLite) >= 0.2 x /v1/health',
    row: 'cold_keys_sqlite',
    metric: 'ratio_to_health',
    comparison: '>=',
    threshold: 0.2,
  },
  {
    description: 'cold keys (MariaDB) >= 0.2 x /v1/health',
    row: 'cold_keys_mariadb',
    metric: 'ratio_to_health',
    comparison: '>=',
    threshold: 0.2,
  },
  {
    description: 'verify p99 beside 100 logins/s < 2 x without them',
    row: 'verify_beside_logins',
    metric: 'p99_to_without_logins',
    comparison: '<',
    threshold: 2,
  },
  {
    description: 'API key verify >= 0.8 x /v1/health',
    row: 'api_key',
    metric: 'ratio_to_health',
    comparison: '>=',
    threshold: 0.8,
  },
  {
    description: 'API key verify >= 0.45 x bare node:http',
    row: 'api_key',
    metric: 'ratio_to_bare',
    comparison: '>=',
    threshold: 0.45,
  },
  {
    description: 'JWT verify >= 0.7 x /v1/health',
    row: 'jwt',
    metric: 'ratio_to_health',
    comparison: '>=',
    threshold: 0.7,
  },
  {
    description: 'API key verify p99 < 15 ms',
    row: 'api_key',
    metric: 'p99_ms',
    comparison: '<',
    threshold: 15,
  },
  {
    description: 'JWT verify p99 < 15 ms',
    row: 'jwt',
    metric: 'p99_ms',
    comparison: '<',
    threshold: 15,
  },
  // Issue #21: a caller that keeps calling once refused costs no more than one that is allowed.
  {
    description: 'spent key (429) >= 0.9 x API key verify',
    row: 'rate_limited',
    metric: 'ratio_to_verify',
    comparison: '>=',
    threshold: 0.9,
  },
  {
    description: 'unknown key (401) >= 0.9 x API key verify',
    row: 'unknown_key',
    metric: 'ratio_to_verify',
    comparison: '>=',
    threshold: 0.9,
  },
  // Issue #14: a token costs little beyond its one RS256 signature; introspection is cached.
  {
    description: 'client_credentials tokens/s >= 0.7 x RSA-2048 signatures/s (node:crypto)',
    row: 'client_credentials',
    metric: 'ratio_to_rsa_sign',
    comparison: '>=',
    threshold: 0.7,
  },
  // Issue #15: an assertion exchange costs one signature verify more than client_credentials.
  {
    description: 'jwt-bearer exchanges/s >= 0.7 x client_credentials',
    row: 'jwt_bearer',
    metric: 'ratio_to_client_credentials',
    comparison: '>=',
    threshold: 0.7,
  },
  {
    description: 'introspection >= 0.5 x /v1/health',
    row: 'introspection',
    metric: 'ratio_to_health',
    comparison: '>=',
    threshold: 0.5,
  },
];

export function isMeasured(row: Row): row is MeasuredRow {
  return !('skipped' in row);
}

export interface Slice {
  result: Result;
  /** CPU time the server spent during the slice; null where it could not be read. */
  serverCpuMicroseconds: number | null;
  /** Every response's latency, where the bench kept them. */
  latenciesMs?: number[];
}

/**
 * One row from the slices of one load: requests/s over all of them, p50 and p99 over all their
 * responses (where a slice kept no latencies: the median slice's p50 and the worst slice's p99),
 * counts and CPU time summed.
 */
export function toRow(
  id: RowId,
  name: string,
  measuredSlices: Slice[],
  expectedStatuses: number[],
): MeasuredRow {
  const slices = measuredSlices.map((slice) => slice.result);
  const statusCodes: Record<string, number> = {};
  for (const result of slices) {
    for (const [code, stats] of Object.entries(result.statusCodeStats)) {
      statusCodes[code] = (statusCodes[code] ?? 0) + stats.count;
    }
  }
  const sum = (value: (result: Result) => number) =>
    slices.reduce((total, result) => total + value(result), 0);
  const p50s = slices.map((result) => result.latency.p50).sort((a, b) => a - b);
  const pooled = pooledLatencies(measuredSlices);
  const cpuMicroseconds = measuredSlices.every((slice) => slice.serverCpuMicroseconds !== null)
    ? measuredSlices.reduce((total, slice) => total + slice.serverCpuMicroseconds!, 0)
    : null;
  const requests = sum((result) => result.requests.total);
  // autocannon's duration is in seconds.
  const seconds = sum((result) => result.duration);
  return {
    id,
    name,
    requests_per_second: requests / seconds,
    p50_ms: pooled ? percentile(pooled, 0.5) : p50s[Math.floor(p50s.length / 2)],
    p99_ms: pooled
      ? percentile(pooled, 0.99)
      : Math.max(...slices.map((result) => result.latency.p99)),
    non_2xx: sum((result) => result.non2xx),
    status_codes: statusCodes,
    expected_statuses: expectedStatuses,
    errors: sum((result) => result.errors),
    timeouts: sum((result) => result.timeouts),
    slices_requests_per_second: slices.map((result) => result.requests.total / result.duration),
    server_cpu_us_per_request:
      cpuMicroseconds === null || requests === 0 ? null : cpuMicroseconds / requests,
    server_cpu_busy: cpuMicroseconds === null ? null : cpuMicroseconds / 1e6 / seconds,
    ratio_to_health: null,
    ratio_to_bare: null,
    ratio_to_verify: null,
    ratio_to_rsa_sign: null,
    ratio_to_client_credentials: null,
    p99_to_without_logins: null,
  };
}

/** All slices' latencies in ascending order, or null when a slice kept none. */
function pooledLatencies(slices: Slice[]): Float64Array | null {
  if (slices.length === 0 || slices.some((slice) => !slice.latenciesMs?.length)) return null;
  return Float64Array.from(slices.flatMap((slice) => slice.latenciesMs!)).sort();
}

/** The nearest-rank percentile of sorted values, to 0.1 ms. */
function percentile(sorted: Float64Array, fraction: number): number {
  const rank = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, rank)] * 10) / 10;
}

/**
 * Fills in each measured row's throughput relative to /v1/health, to the bare server and to the
 * allowed API-key verify.
 */
export function addRatios(rows: Row[], rsaSignsPerSecond: number | null): Row[] {
  const rps = (id: RowId) => {
    const row = rows.find((candidate) => candidate.id === id);
    return row && isMeasured(row) && row.requests_per_second > 0 ? row.requests_per_second : null;
  };
  const bare = rps('bare');
  const verify = rps('api_key');
  const clientCredentials = rps('client_credentials');
  const withoutLogins = rows.find((row) => row.id === 'verify_without_logins');
  const p99WithoutLogins =
    withoutLogins && isMeasured(withoutLogins) ? Math.max(withoutLogins.p99_ms, 1) : null;
  return rows.map((row) => {
    const health = rps(HEALTH_OF[row.id] ?? 'health');
    return isMeasured(row)
      ? {
          ...row,
          ratio_to_health: health === null ? null : row.requests_per_second / health,
          ratio_to_bare: bare === null ? null : row.requests_per_second / bare,
          ratio_to_verify: verify === null ? null : row.requests_per_second / verify,
          ratio_to_rsa_sign:
            rsaSignsPerSecond === null ? null : row.requests_per_second / rsaSignsPerSecond,
          ratio_to_client_credentials:
            clientCredentials === null ? null : row.requests_per_second / clientCredentials,
          p99_to_without_logins:
            row.id === 'verify_beside_logins' && p99WithoutLogins !== null
              ? Math.max(row.p99_ms, 1) / p99WithoutLogins
              : null,
        }
      : row;
  });
}

/** A row with answers it did not mean to measure (a 429 on a verify row) measured something else. */
function problemsOf(row: MeasuredRow): string | undefined {
  const problems: string[] = [];
  const unexpected = Object.entries(row.status_codes).filter(
    ([code]) => !row.expected_statuses.includes(Number(code)),
  );
  if (unexpected.length > 0) {
    const list = unexpected.map(([code, count]) => `${code}: ${count}`).join(', ');
    problems.push(`unexpected answers (${list})`);
  }
  if (row.errors > 0) problems.push(`${row.errors} connection errors`);
  return problems.length > 0 ? `${row.name}: ${problems.join(', ')}` : undefined;
}

/** `200`, `429`, or `401 2%, 429 98%` when a row got several. */
function statusesOf(row: MeasuredRow): string {
  const entries = Object.entries(row.status_codes);
  if (entries.length === 1) return entries[0][0];
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  return entries
    .map(([code, count]) => {
      const share = (count / total) * 100;
      return `${code} ${share < 1 ? '<1' : Math.round(share)}%`;
    })
    .join(', ');
}

export function checkTargets(rows: Row[], extra: TargetCheck[] = []): TargetCheck[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const checks = TARGETS.map((target): TargetCheck => {
    const row = byId.get(target.row);
    if (!row || !isMeasured(row)) {
      const why = row && !isMeasured(row) ? row.skipped : 'not measured';
      return { target: target.description, status: 'SKIPPED', actual: null, detail: why };
    }
    const actual = row[target.metric];
    if (actual === null) {
      return { target: target.description, status: 'SKIPPED', actual, detail: 'no baseline' };
    }
    // The row itself and the baseline it is compared with must have answered every request.
    const baseline =
      target.metric === 'ratio_to_health'
        ? (HEALTH_OF[target.row] ?? 'health')
        : target.metric === 'p99_to_without_logins'
          ? 'verify_without_logins'
          : target.metric === 'ratio_to_bare'
            ? 'bare'
            : target.metric === 'ratio_to_verify'
              ? 'api_key'
              : target.metric === 'ratio_to_client_credentials'
                ? 'client_credentials'
                : undefined;
    const involved = [row, baseline && byId.get(baseline)].filter(
      (candidate): candidate is MeasuredRow => !!candidate && isMeasured(candidate),
    );
    const problems = involved.map(problemsOf).filter((problem) => problem !== undefined);
    const met =
      target.comparison === '>='
        ? actual >= target.threshold
        : target.comparison === '<='
          ? actual <= target.threshold
          : actual < target.threshold;
    return {
      target: target.description,
      status: met && problems.length === 0 ? 'PASS' : 'FAIL',
      actual,
      ...(problems.length > 0 ? { detail: problems.join('; ') } : {}),
    };
  });
  return [...checks, ...extra];
}

const COLUMNS = [
  'row',
  'req/s (mean)',
  'p50 ms',
  'p99 ms',
  'statuses',
  'x health',
  'x bare',
  'x key verify',
  'server CPU us/req',
  'server busy',
];

function cells(row: MeasuredRow): string[] {
  const ratio = (value: number | null) => (value === null ? '-' : value.toFixed(2));
  return [
    row.name,
    Math.round(row.requests_per_second).toLocaleString('en-US'),
    String(row.p50_ms),
    String(row.p99_ms),
    statusesOf(row),
    ratio(row.ratio_to_health),
    ratio(row.ratio_to_bare),
    ratio(row.ratio_to_verify),
    row.server_cpu_us_per_request === null ? '-' : row.server_cpu_us_per_request.toFixed(1),
    row.server_cpu_busy === null ? '-' : `${Math.round(row.server_cpu_busy * 100)}%`,
  ];
}

export function formatTable(rows: Row[]): string {
  const measured = rows.filter(isMeasured).map(cells);
  const widths = COLUMNS.map((title, column) =>
    Math.max(
      title.length,
      ...measured.map((line) => line[column].length),
      ...(column === 0 ? rows.map((row) => row.name.length) : []),
    ),
  );
  const line = (values: string[]) =>
    values
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column]),
      )
      .join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const rowLines = rows.map((row) =>
    isMeasured(row) ? line(cells(row)) : `${row.name.padEnd(widths[0])}  skipped: ${row.skipped}`,
  );
  return [line(COLUMNS), rule, ...rowLines].join('\n');
}

export function formatChecks(checks: TargetCheck[]): string {
  return checks
    .map((check) => {
      const actual = check.actual === null ? '' : ` (actual ${check.actual.toFixed(2)})`;
      const detail = check.detail ? ` - ${check.detail}` : '';
      return `${check.status.padEnd(7)} ${check.target}${actual}${detail}`;
    })
    .join('\n');
}

/** Written to a temporary file first, so a crash never leaves a half-written results.json. */
export function writeResults(file: string, payload: unknown): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(payload, null, 2)}\n`);
  renameSync(temporary, file);
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fixed master key for tests: apps sharing one MariaDB must decrypt each other's keys. */
export const TEST_MASTER_KEY = 'test-master-key-0123456789abcdefghijklmnop';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** e2e suites run against MariaDB/MySQL when TEST_DATABASE_URL is set, else a fresh SQLite file. */
export const testDatabaseUrl = (): string | undefined => process.env.TEST_DATABASE_URL || undefined;

export function testEnvironment(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
  const databaseUrl = testDatabaseUrl();
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    SQLITE_PATH: join(dataDir, 'tessera.sqlite'),
    TESSERA_DATA_DIR: dataDir,
    // MySQL is migrated once by the global setup; each SQLite file by its own app.
    DB_MIGRATIONS_RUN: databaseUrl ? 'false' : 'true',
    TESSERA_MASTER_KEY: TEST_MASTER_KEY,
    TESSERA_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    TESSERA_ISSUER: 'http://tessera.test',
    REDIS_URL: undefined,
    // Suites make far more requests per minute than the free plan allows; the rate-limit suite
    // turns limits on.
    RATE_LIMITS_ENABLED: 'false',
    // Failed-login counters per IP may live in a Redis shared by every run on this machine: all
    // suites log in from 127.0.0.1. Suites that test the IP lockout set their own limit.
    LOGIN_MAX_FAILURES_PER_IP: '100000',
    // SSO metadata is re-fetched when a test says so (it calls the refresh itself).
    SSO_METADATA_REFRESH_HOURS: '0',
    ...overrides,
  };
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisConnections } from '../../src/common/cluster/redis-connections';
import { createTestApp, TestApp, TestAppOptions } from './create-app';
import { waitFor } from './redis';
import { TestClock } from './test-clock';
import { testDatabaseUrl } from './test-env';

/**
 * Two instances of the app on one database (MariaDB in CI's second run, else one SQLite file),
 * on one clock that stands still one second into an hour, so shared counting never straddles a
 * window. `second` sets options of the second instance alone (e.g. a route served another way),
 * `first` those of the first.
 */
export async function twoInstances(
  env: Record<string, string>,
  second: Omit<TestAppOptions, 'clock'> = {},
  first: Omit<TestAppOptions, 'clock'> = {},
): Promise<[TestApp, TestApp]> {
  const shared = testDatabaseUrl()
    ? {}
    : { SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'tessera-cluster-')), 'shared.sqlite') };
  const clock = TestClock.atStartOfNextHour();
  const a = await createTestApp({ ...shared, ...env }, { ...first, clock });
  const b = await createTestApp({ ...shared, ...env }, { ...second, clock });
  return [a, b];
}

/** Waits until every instance's Redis connection is `up` (or `down`). */
export function redisOf(instances: TestApp[], state: 'up' | 'down', timeoutMs: number) {
  return waitFor(
    () => instances.every((instance) => instance.app.get(RedisConnections).state() === state),
    timeoutMs,
  );
}

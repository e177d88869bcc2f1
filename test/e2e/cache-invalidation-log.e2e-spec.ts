import { DataSource } from 'typeorm';
import { CacheInvalidationLog } from '../../src/common/cluster/cache-invalidation-log';
import { CacheInvalidationRecord } from '../../src/common/cluster/cache-invalidation-record.entity';
import { createTestApp, TestApp } from '../utils/create-app';
import { ownDatabase } from '../utils/own-database';

/** The log every instance appends its changes to and reads the others' from (SQLite and MariaDB). */
describe('the cache invalidation log', () => {
  let t: TestApp;
  let log: CacheInvalidationLog;
  beforeAll(async () => {
    // Of its own: in a shared one, other suites' changes take numbers between this suite's, and
    // the prune below removes their entries too.
    t = await createTestApp(ownDatabase('cache_invalidation_log'));
    log = t.app.get(CacheInvalidationLog);
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  it('numbers entries in order and reads those after a number, and the gaps asked for again', async () => {
    const first = await log.append({ kind: 'api_key', id: 'key_first' });
    const second = await log.append({ kind: 'session', id: 'session-second' });
    const third = await log.append({
      kind: 'user_sessions',
      userId: 'user-third',
      exceptSessionId: null,
    });
    expect(first).toBeLessThan(second);
    expect(second).toBeLessThan(third);
    expect(await log.newestSeq()).toBeGreaterThanOrEqual(third);

    const afterFirst = (await log.read(first, [], 500)).filter((entry) => entry.seq <= third);
    expect(afterFirst.map((entry) => entry.seq)).toEqual([second, third]);
    expect(JSON.parse(afterFirst[1].event)).toEqual({
      kind: 'user_sessions',
      userId: 'user-third',
      exceptSessionId: null,
    });
    // A reader that went past `second` before it committed asks for it again.
    const withGap = (await log.read(third, [second], 500)).filter((entry) => entry.seq <= third);
    expect(withGap.map((entry) => entry.seq)).toEqual([second]);
    expect(JSON.parse(withGap[0].event)).toEqual({ kind: 'session', id: 'session-second' });
  });

  it('prunes entries older than the cut-off, and only those', async () => {
    const records = t.app.get(DataSource).getRepository(CacheInvalidationRecord);
    // Younger than the hour the app's own pruning job keeps (it runs soon after start, at a
    // random moment): had it removed the old entry first, this prune would have found none.
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const { identifiers } = await records.insert({
      event: JSON.stringify({ kind: 'organization', id: 'org-old' }),
      createdAt: minutesAgo(30),
    });
    const old = Number(identifiers[0].seq);
    const fresh = await log.append({ kind: 'organization', id: 'org-fresh' });
    expect(await log.pruneBefore(minutesAgo(15))).toBeGreaterThanOrEqual(1);
    const left = (await log.read(old - 1, [], 500)).map((entry) => entry.seq);
    expect(left).not.toContain(old);
    expect(left).toContain(fresh);
  });
});

import request from 'supertest';
import { BackgroundJobs } from '../../src/common/jobs/background-jobs';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { asKey, createApiKey } from '../utils/api-keys';
import { withTestApp } from '../utils/create-app';
import { bearer, createUser } from '../utils/factories';
import { keyLookUps, queriesDuring } from '../utils/queries';

// Issue #19: a key in no cache (after a deploy, or one of a long tail of rarely-used keys) costs
// one indexed look-up and nothing more, whether it comes alone or with others at once.
describe('cold keys', () => {
  it('costs one database query per key not in the cache, alone or many at once', async () => {
    // An app of its own with its periodic jobs stopped and its audit writes drained: any SQL in
    // the measured window is then the requests' own.
    await withTestApp({}, async (t) => {
      t.app.get(BackgroundJobs).onModuleDestroy();
      const owner = await createUser(t, 'cold-keys');
      const keys: string[] = [];
      for (let i = 0; i < 12; i++) {
        const created = await createApiKey(t, bearer(owner.accessToken), {
          name: `cold-${i}`,
          scopes: ['translate:read'],
        });
        keys.push(created.key);
      }
      const verify = (key: string) =>
        request(t.http).get('/v1/auth/verify').set(asKey(key)).expect(200);
      // The owner's role is cached by a first key, as it is for any key of a busy tenant.
      await verify(keys[0]);
      await t.app.get(AuditWriter).drain();

      const oneByOne = await queriesDuring(t, async () => {
        for (const key of keys.slice(1, 4)) await verify(key);
      });
      expect(oneByOne).toHaveLength(3);
      expect(keyLookUps(oneByOne)).toHaveLength(3);

      const together = await queriesDuring(t, () => Promise.all(keys.slice(4).map(verify)));
      expect(together.length).toBeLessThanOrEqual(8);
      expect(keyLookUps(together)).toEqual(together);

      // Each is cached now: no query at all the second time.
      const again = await queriesDuring(t, () => Promise.all(keys.map(verify)));
      expect(again).toEqual([]);
    });
  });
});

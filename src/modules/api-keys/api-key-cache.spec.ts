import { NEVER_STALE, StalePolicy } from '../../common/cache/stale-policy';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import type { CacheInvalidationLog } from '../../common/cluster/cache-invalidation-log';
import type { RedisConnections } from '../../common/cluster/redis-connections';
import { compileAllowlist } from '../../common/http/ip-allowlist';
import { ApiKeyCache, VerifiedApiKey } from './api-key-cache';

const noRedis = {
  subscriber: null,
  commands: null,
  isReady: () => false,
} as unknown as RedisConnections;
const noLog = { append: async () => undefined } as unknown as CacheInvalidationLog;

const key = (id: string): VerifiedApiKey => ({
  id,
  organizationId: 'org',
  scopes: ['translate:read'],
  environment: 'live',
  expiresAt: null,
  revokedAt: null,
  rateLimitPerHour: 1000,
  allowlist: compileAllowlist([]),
  owner: { userId: 'user' },
  credits: null,
});

describe('ApiKeyCache', () => {
  it('caches a looked-up key and drops it when the key changes', async () => {
    const cache = new ApiKeyCache(new CacheInvalidationBus(noRedis, noLog), NEVER_STALE);
    cache.remember('h1', key('key_1'), cache.generation());
    expect(cache.get('h1')).toEqual(expect.objectContaining({ id: 'key_1' }));
    await cache.forget('key_1');
    expect(cache.get('h1')).toBeUndefined();
  });

  it('does not cache a look-up that raced an invalidation (a revoke during the query)', async () => {
    const cache = new ApiKeyCache(new CacheInvalidationBus(noRedis, noLog), NEVER_STALE);
    const generation = cache.generation(); // the look-up starts: row read as active
    await cache.forget('key_1'); // revoked meanwhile; nothing was cached yet to drop
    cache.remember('h1', key('key_1'), generation); // the stale row arrives
    expect(cache.get('h1')).toBeUndefined();
  });

  it('while the database cannot be reached, answers stale for a key, never for a hash that matched none', async () => {
    const clock = { now: 1_000_000 };
    const policy: StalePolicy = {
      windowMs: 300_000,
      lifetimeClock: { now: () => clock.now },
      databaseKnownDown: () => false,
      unreachable: () => true,
    };
    const cache = new ApiKeyCache(new CacheInvalidationBus(noRedis, noLog), policy);
    cache.remember('h1', key('key_1'), cache.generation());
    cache.rememberUnknown('h2', cache.generation());
    clock.now += 61_000;
    const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
    expect(cache.get('h1')).toBeUndefined();
    await expect(cache.lookUpOnce('h1', down)).resolves.toEqual(
      expect.objectContaining({ id: 'key_1' }),
    );
    await expect(cache.lookUpOnce('h2', down)).rejects.toThrow('ECONNREFUSED');
    // A revoke that reaches the instance finds the stale entry and drops it.
    await cache.forget('key_1');
    await expect(cache.lookUpOnce('h1', down)).rejects.toThrow('ECONNREFUSED');
  });
});

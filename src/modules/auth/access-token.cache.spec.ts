import { NEVER_STALE, StalePolicy } from '../../common/cache/stale-policy';
import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import type { CacheInvalidationLog } from '../../common/cluster/cache-invalidation-log';
import type { RedisConnections } from '../../common/cluster/redis-connections';
import type { AccessTokenClaims } from '../tokens/access-tokens.service';
import { AccessTokenCache } from './access-token.cache';

const noRedis = {
  subscriber: null,
  commands: null,
  isReady: () => false,
} as unknown as RedisConnections;
const noLog = { append: async () => undefined } as unknown as CacheInvalidationLog;

const SIGNATURE = 'S'.repeat(300) + 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

function claims(sid: string, sub = 'user-1'): AccessTokenClaims {
  return {
    iss: 'https://tessera.test',
    sub,
    aud: 'tessera',
    exp: Math.floor(Date.now() / 1000) + 600,
    iat: Math.floor(Date.now() / 1000),
    jti: 'jti-1',
    scope: '',
    org_id: 'org-1',
    sid,
    amr: ['pwd'],
    typ: 'user',
  };
}

/** Stale if error for 300 s, on a clock the test moves, with the database down throughout. */
function databaseDown() {
  const clock = { now: 1_000_000 };
  const policy: StalePolicy = {
    windowMs: 300_000,
    lifetimeClock: { now: () => clock.now },
    databaseKnownDown: () => true,
    unreachable: () => true,
  };
  return { clock, policy };
}
const unreachable = () => Promise.reject(new Error('connect ECONNREFUSED'));

describe('AccessTokenCache', () => {
  it('answers only for the very token it verified, not for one sharing its signature end', () => {
    const cache = new AccessTokenCache(new CacheInvalidationBus(noRedis, noLog), NEVER_STALE);
    const token = `header.payload.${SIGNATURE}`;
    cache.remember(token, claims('session-1'), cache.generation());
    expect(cache.get(`header.payload.${SIGNATURE}`)).toEqual(claims('session-1'));
    expect(cache.get(`header.forged-payload.${SIGNATURE}`)).toBeUndefined();
    // The look-alike did not evict the real entry.
    expect(cache.get(token)?.sid).toBe('session-1');
  });

  it('forgets the tokens of a revoked session', async () => {
    const cache = new AccessTokenCache(new CacheInvalidationBus(noRedis, noLog), NEVER_STALE);
    const token = `header.payload.${SIGNATURE}`;
    cache.remember(token, claims('session-1'), cache.generation());
    await cache.forgetSession('session-1');
    expect(cache.get(token)).toBeUndefined();
  });

  it('forgets every session of a user but the one kept, and no other user’s', async () => {
    const cache = new AccessTokenCache(new CacheInvalidationBus(noRedis, noLog), NEVER_STALE);
    const tokenOf = (n: number) => `header.payload-${n}.${SIGNATURE.slice(0, -1)}${n}`;
    cache.remember(tokenOf(1), claims('session-1'), cache.generation());
    cache.remember(tokenOf(2), claims('session-2'), cache.generation());
    cache.remember(tokenOf(3), claims('session-3', 'user-2'), cache.generation());
    await cache.forgetSessionsOfUser('user-1', 'session-2');
    expect(cache.get(tokenOf(1))).toBeUndefined();
    expect(cache.get(tokenOf(2))?.sid).toBe('session-2');
    expect(cache.get(tokenOf(3))?.sid).toBe('session-3');
    await cache.forgetSessionsOfUser('user-1', null);
    expect(cache.get(tokenOf(2))).toBeUndefined();
  });

  it('while the database cannot be reached, answers for the very token it verified, until it expires', async () => {
    const { clock, policy } = databaseDown();
    const cache = new AccessTokenCache(new CacheInvalidationBus(noRedis, noLog), policy);
    const token = `header.payload.${SIGNATURE}`;
    const expiring = { ...claims('session-1'), exp: Math.floor(Date.now() / 1000) + 2 };
    cache.remember(token, expiring, cache.generation());
    clock.now += 61_000;
    expect(cache.get(token)).toBeUndefined(); // ran out: the hot path misses
    await expect(cache.verifyOrStale(token, unreachable)).resolves.toEqual(expiring);
    await expect(
      cache.verifyOrStale(`header.forged-payload.${SIGNATURE}`, unreachable),
    ).rejects.toThrow('ECONNREFUSED');
    const pastExp = expiring.exp * 1000 + 1;
    jest.spyOn(Date, 'now').mockReturnValue(pastExp);
    try {
      await expect(cache.verifyOrStale(token, unreachable)).rejects.toThrow('ECONNREFUSED');
    } finally {
      jest.restoreAllMocks();
    }
  });
});

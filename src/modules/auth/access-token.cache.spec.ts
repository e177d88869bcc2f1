import { CacheInvalidationBus } from '../../common/cluster/cache-invalidation.bus';
import type { RedisConnections } from '../../common/cluster/redis-connections';
import type { AccessTokenClaims } from '../tokens/access-tokens.service';
import { AccessTokenCache } from './access-token.cache';

const noRedis = {
  subscriber: null,
  commands: null,
  isReady: () => false,
} as unknown as RedisConnections;

const SIGNATURE = 'S'.repeat(300) + 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

function claims(sid: string): AccessTokenClaims {
  return {
    iss: 'https://tessera.test',
    sub: 'user-1',
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

describe('AccessTokenCache', () => {
  it('answers only for the very token it verified, not for one sharing its signature end', () => {
    const cache = new AccessTokenCache(new CacheInvalidationBus(noRedis));
    const token = `header.payload.${SIGNATURE}`;
    cache.remember(token, claims('session-1'), cache.generation());
    expect(cache.get(`header.payload.${SIGNATURE}`)).toEqual(claims('session-1'));
    expect(cache.get(`header.forged-payload.${SIGNATURE}`)).toBeUndefined();
    // The look-alike did not evict the real entry.
    expect(cache.get(token)?.sid).toBe('session-1');
  });

  it('forgets the tokens of a revoked session', async () => {
    const cache = new AccessTokenCache(new CacheInvalidationBus(noRedis));
    const token = `header.payload.${SIGNATURE}`;
    cache.remember(token, claims('session-1'), cache.generation());
    await cache.forgetSession('session-1');
    expect(cache.get(token)).toBeUndefined();
  });
});

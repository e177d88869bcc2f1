import request from 'supertest';
import { asKey, createApiKey, usageOf } from '../utils/api-keys';
import { TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';

/** The socket's own address as supertest connects (IPv4 loopback, maybe IPv4-mapped). */
const SOCKET_ADDRESS = /^(::ffff:)?127\.0\.0\.1$/;

/** X-Forwarded-For values that are no address: each is recorded as the socket's address. */
const NOT_AN_ADDRESS = [
  '9'.repeat(60),
  'unknown',
  '203.0.113.7.9',
  '[2001:db8::1]:99999',
  `fe80::1%${'e'.repeat(50)}`,
];

interface Event {
  action: string;
  request_id: string | null;
  actor: { ip: string | null };
}

const auditEvents = async (t: TestApp, user: TestUser, query = ''): Promise<Event[]> =>
  (
    await request(t.http)
      .get(`/v1/audit-logs?limit=100${query}`)
      .set(bearer(user.accessToken))
      .expect(200)
  ).body.data;

describe('client address behind a trusted proxy (TRUST_PROXY=true)', () => {
  it('records an X-Forwarded-For that is no address as the socket address, and the organization’s later events are stored', async () => {
    await withTestApp({ TRUST_PROXY: 'true' }, async (t) => {
      const user = await createUser(t, 'forwarded');
      for (const [i, forwarded] of NOT_AN_ADDRESS.entries()) {
        await request(t.http)
          .post('/v1/auth/login')
          .set({ 'X-Forwarded-For': forwarded, 'X-Request-Id': `junk-forwarded-${i}` })
          .send({ email: user.email, password: 'wrong-password' })
          .expect(401);
      }
      // A later event of the same organization, from a real address behind the proxy.
      const key = await createApiKey(
        t,
        { ...bearer(user.accessToken), 'X-Forwarded-For': '203.0.113.7' },
        { name: 'after-junk', scopes: ['translate:read'] },
      );
      const failed = await auditEvents(t, user, '&action=auth.login.failed');
      expect(failed.map((e) => e.request_id).sort()).toEqual(
        NOT_AN_ADDRESS.map((_, i) => `junk-forwarded-${i}`).sort(),
      );
      for (const event of failed) expect(event.actor.ip).toMatch(SOCKET_ADDRESS);
      const [created] = await auditEvents(t, user, `&target_id=${key.id}`);
      expect(created).toEqual(
        expect.objectContaining({ action: 'api_key.created', actor: expect.anything() }),
      );
      expect(created.actor.ip).toBe('203.0.113.7');
      const verify = await request(t.http)
        .get('/v1/audit-logs/verify')
        .set(bearer(user.accessToken))
        .expect(200);
      expect(verify.body.valid).toBe(true);
    });
  });

  it('keeps an API key’s last_ip an address, whatever X-Forwarded-For says', async () => {
    await withTestApp({ TRUST_PROXY: 'true' }, async (t) => {
      const user = await createUser(t, 'forwarded-key');
      const key = await createApiKey(t, bearer(user.accessToken), {
        name: 'forwarded',
        scopes: ['translate:read'],
      });
      await request(t.http)
        .get('/v1/auth/verify')
        .set({ ...asKey(key.key), 'X-Forwarded-For': '9'.repeat(60) })
        .expect(200);
      const usage = await usageOf(t, key.id, bearer(user.accessToken));
      expect(usage.last_ip).toMatch(SOCKET_ADDRESS);
      // An address a proxy sends with a port is the address.
      await request(t.http)
        .get('/v1/auth/verify')
        .set({ ...asKey(key.key), 'X-Forwarded-For': '[2001:db8::7]:443' })
        .expect(200);
      expect((await usageOf(t, key.id, bearer(user.accessToken))).last_ip).toBe('2001:db8::7');
    });
  });
});

describe('client address with a hop count (TRUST_PROXY=1)', () => {
  it('takes the address one hop in, and no further than the hops it trusts', async () => {
    await withTestApp({ TRUST_PROXY: '1' }, async (t) => {
      const user = await createUser(t, 'one-hop');
      const key = await createApiKey(t, bearer(user.accessToken), {
        name: 'one-hop',
        scopes: ['translate:read'],
      });
      // The proxy appends the address it saw: the client's own claim before it is not trusted.
      await request(t.http)
        .get('/v1/auth/verify')
        .set({ ...asKey(key.key), 'X-Forwarded-For': '198.51.100.9, 203.0.113.7' })
        .expect(200);
      expect((await usageOf(t, key.id, bearer(user.accessToken))).last_ip).toBe('203.0.113.7');
    });
  });
});

// Issue #20, from the session's security review: a key with usage credits must not get out of
// them through a credential it mints, nor earn credits back by failing.
import request from 'supertest';
import { RouteAuthorizer } from '../../src/common/auth/route-authorizer';
import { asKey, createApiKey } from '../utils/api-keys';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { registerClient } from '../utils/oauth';

describe('usage credits cannot be escaped', () => {
  let t: TestApp;
  let owner: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await createUser(t, 'credits-escape');
  });
  afterAll(async () => {
    await t.close();
  });

  const remainingOf = async (id: string) =>
    (await request(t.http).get(`/v1/api-keys/${id}`).set(bearer(owner.accessToken)).expect(200))
      .body.remaining as number;

  it('a key with credits mints no OAuth client, client secret or service-account key', async () => {
    const limited = await createApiKey(t, bearer(owner.accessToken), {
      name: 'limited',
      scopes: ['oauth_clients:write', 'service_accounts:write', 'translate:read'],
      remaining: 10,
    });
    const client = await request(t.http)
      .post('/v1/oauth/clients')
      .set(asKey(limited.key))
      .send({
        name: 'escape',
        client_type: 'confidential',
        grant_types: ['client_credentials'],
        scopes: ['translate:read'],
      })
      .expect(403);
    expect(client.body).toMatchObject({ code: 'credits_escalation' });

    // Made by the owner: the limited key may not take a new secret of it either.
    const ownersClient = await registerClient(t, owner, { scopes: ['translate:read'] });
    await request(t.http)
      .post(`/v1/oauth/clients/${ownersClient.clientId}/secret`)
      .set(asKey(limited.key))
      .send({})
      .expect(403);

    const account = await request(t.http)
      .post('/v1/service-accounts')
      .set(bearer(owner.accessToken))
      .send({ name: 'pipeline', scopes: ['translate:read'] })
      .expect(201);
    const accountKey = await request(t.http)
      .post(`/v1/service-accounts/${account.body.id}/keys`)
      .set(asKey(limited.key))
      .send({})
      .expect(403);
    expect(accountKey.body).toMatchObject({ code: 'credits_escalation' });

    // The same key without credits may do all of it (the refusal is the credits', not the scopes').
    const unlimited = await createApiKey(t, bearer(owner.accessToken), {
      name: 'unlimited',
      scopes: ['oauth_clients:write', 'service_accounts:write', 'translate:read'],
    });
    await request(t.http)
      .post(`/v1/service-accounts/${account.body.id}/keys`)
      .set(asKey(unlimited.key))
      .send({})
      .expect(201);
  });

  it('a key with credits rotates no other key (its replacement would have none), only itself', async () => {
    const limited = await createApiKey(t, bearer(owner.accessToken), {
      name: 'limited-rotator',
      scopes: ['api_keys:write', 'api_keys:read', 'translate:read'],
      remaining: 10,
    });
    const other = await createApiKey(t, bearer(owner.accessToken), {
      name: 'unlimited-target',
      scopes: ['translate:read'],
    });
    const refused = await request(t.http)
      .post(`/v1/api-keys/${other.id}/rotate`)
      .set(asKey(limited.key))
      .send({ grace_period_hours: 720 })
      .expect(403);
    expect(refused.body).toMatchObject({ code: 'credits_escalation' });

    // Its own replacement spends the same balance (the refused call and this one spent one
    // each): nothing escapes.
    const own = await request(t.http)
      .post(`/v1/api-keys/${limited.id}/rotate`)
      .set(asKey(limited.key))
      .send({})
      .expect(201);
    expect(own.body.remaining).toBe(8);
    await request(t.http)
      .get('/v1/auth/verify')
      .set(asKey(own.body.key as string))
      .expect(200);
    expect(await remainingOf(limited.id)).toBe(7);
  });

  it('gives a credit back once when a request fails after a refusal step refunded it', async () => {
    const key = await createApiKey(t, bearer(owner.accessToken), {
      name: 'double-refund',
      scopes: ['translate:read'],
      remaining: 5,
    });
    // A fault injected into the authorization step: the refusal path refunds, then the 500 does.
    const spy = jest.spyOn(t.app.get(RouteAuthorizer), 'authorize').mockImplementation(() => {
      throw new Error('the authorization step failed');
    });
    try {
      for (let i = 0; i < 3; i++) {
        await request(t.http).get('/v1/auth/verify').set(asKey(key.key)).expect(500);
      }
    } finally {
      spy.mockRestore();
    }
    expect(await remainingOf(key.id)).toBe(5);
  });
});

import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer, createUser, TestUser } from '../utils/factories';
import { freePort } from '../utils/free-port';
import { registerClient } from '../utils/oauth';
import { runRelyingParty } from '../utils/relying-party';

/**
 * Tessera's OAuth endpoints driven by openid-client 6 (panva's certified relying-party library) as
 * a real app would drive them, over real HTTP: discovery (whose issuer must match exactly), the
 * token endpoint, introspection and revocation.
 */
describe('OAuth with openid-client as the client', () => {
  let t: TestApp;
  let issuer: string;
  let owner: TestUser;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    t = await createTestApp({ TESSERA_ISSUER: issuer });
    await t.app.listen(port, '127.0.0.1');
    expect((t.http.address() as AddressInfo).port).toBe(port);
    owner = await createUser(t, 'rp-owner');
  });

  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  it('gets a client_credentials token, introspects it, revokes it, and the token is dead', async () => {
    const machine = await registerClient(t, owner, { scopes: ['translate:read', 'models:read'] });
    const resourceServer = await registerClient(t, owner, { scopes: ['translate:read'] });
    const outcome = await runRelyingParty<{
      issuer: string;
      tokenType: string;
      scope: string;
      expiresIn: number;
      accessToken: string;
      active: Record<string, unknown>;
      afterRevocation: Record<string, unknown>;
    }>('client_credentials', {
      issuer,
      client: { id: machine.clientId, secret: machine.clientSecret },
      resourceServer: { id: resourceServer.clientId, secret: resourceServer.clientSecret },
      scope: 'translate:read',
    });
    expect(outcome.error).toBeUndefined();
    const result = outcome.result!;
    expect(result.issuer).toBe(issuer);
    expect(result).toMatchObject({ tokenType: 'bearer', scope: 'translate:read', expiresIn: 3600 });
    expect(result.active).toMatchObject({
      active: true,
      client_id: machine.clientId,
      scope: 'translate:read',
    });
    expect(result.afterRevocation).toEqual({ active: false });
    await request(t.http).get('/v1/auth/verify').set(bearer(result.accessToken)).expect(401);
  });
});

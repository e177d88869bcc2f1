import { RedisConnections } from '../../src/common/cluster/redis-connections';
import { twoInstances } from '../utils/cluster';
import type { TestApp } from '../utils/create-app';
import { PageClient } from '../utils/pages';
import { describeWithSharedRedis, TEST_REDIS_URL, waitFor } from '../utils/redis';
import { SamlTestIdp } from '../utils/saml-test-idp';
import {
  createConnection,
  postToAcs,
  startLogin,
  TestConnection,
  uniqueDomain,
} from '../utils/sso';
import { createTeam } from '../utils/teams';

// Two instances, Redis and a team made before the first test: more than 30 s on a busy machine.
jest.setTimeout(60_000);

describeWithSharedRedis('SAML SSO on two instances sharing Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let idp: SamlTestIdp;
  let domain: string;
  let connection: TestConnection;
  beforeAll(async () => {
    [a, b] = await twoInstances({ REDIS_URL: TEST_REDIS_URL });
    await waitFor(
      () => a.app.get(RedisConnections).isReady() && b.app.get(RedisConnections).isReady(),
      5000,
    );
    const team = await createTeam(a);
    idp = new SamlTestIdp();
    domain = uniqueDomain('cluster');
    connection = await createConnection(a, team.inOrg(team.owner), idp, {
      domains: [domain],
      allow_idp_initiated: true,
    });
  });
  afterAll(async () => {
    expect([...a.logs.serverErrors(), ...b.logs.serverErrors()]).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  const answer = (inResponseTo: string | undefined, nameId: string) =>
    idp.responseXml({
      destination: connection.acs_url,
      audience: connection.sp_entity_id,
      inResponseTo,
      nameId,
    });

  it('finishes on one instance a login another started, RelayState included; its answer works once', async () => {
    const onA = new PageClient(a);
    const login = await startLogin(onA, connection.id, '/console');
    const xml = answer(login.requestId, `cross-${Date.now()}@${domain}`);
    // The same browser, whichever instance its request reaches: its cookies go along.
    const sameBrowserOnB = new PageClient(b);
    for (const [name, value] of onA.cookies) sameBrowserOnB.cookies.set(name, value);
    const finished = await postToAcs(sameBrowserOnB, connection.id, xml, login.relayState);
    expect(finished.status).toBe(303);
    expect(finished.headers.location).toBe('/console');
    const again = await postToAcs(new PageClient(a), connection.id, xml, login.relayState);
    expect(again.status).toBe(403);
  });

  it('refuses on one instance an assertion accepted on the other (the replay cache is shared)', async () => {
    const xml = answer(undefined, `idp-${Date.now()}@${domain}`);
    expect((await postToAcs(new PageClient(a), connection.id, xml)).status).toBe(200);
    const replay = await postToAcs(new PageClient(b), connection.id, xml);
    expect(replay.status).toBe(403);
    expect(replay.text).toContain('<code>replayed</code>');
  });
});

import request from 'supertest';
import { DataSource } from 'typeorm';
import { User } from '../../src/modules/users/user.entity';
import { BrowserSessionTestModule } from '../utils/browser-session-test.module';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer } from '../utils/factories';
import { PageClient } from '../utils/pages';
import { ResponseOptions, SamlTestIdp } from '../utils/saml-test-idp';
import {
  createConnection,
  postToAcs,
  startLogin,
  TestConnection,
  uniqueDomain,
} from '../utils/sso';
import { createTeam, Team } from '../utils/teams';

const RETURN_TO = '/oauth/authorize?client_id=client_x&state=s1';

describe('SAML SSO: the ACS (POST /sso/:id/acs)', () => {
  let t: TestApp;
  let team: Team;
  let idp: SamlTestIdp;
  let domain: string;
  let connection: TestConnection;
  let counter = 0;
  const email = (label = 'person') => `${label}-${++counter}-${Date.now()}@${domain}`;

  beforeAll(async () => {
    t = await createTestApp({}, { extraModules: [BrowserSessionTestModule] });
    team = await createTeam(t);
    idp = new SamlTestIdp();
    domain = uniqueDomain();
    connection = await createConnection(t, team.inOrg(team.owner), idp, {
      domains: [domain],
      group_role_mapping: { 'tessera-admins': 'admin' },
    });
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const usersWithEmail = (address: string) =>
    t.app.get(DataSource).getRepository(User).countBy({ email: address });

  /** A response to `requestId` for `nameId`, as the IdP signs it, changed by `options`. */
  const response = (
    requestId: string | undefined,
    nameId: string,
    options: Partial<ResponseOptions> = {},
  ) =>
    idp.responseXml({
      destination: connection.acs_url,
      audience: connection.sp_entity_id,
      inResponseTo: requestId,
      nameId,
      ...options,
    });

  const signedInAs = async (browser: PageClient) =>
    (await browser.get('/oauth/test/browser-session', 200)).body.session?.userId as
      string | undefined;

  const roleOf = async (userId: string) => {
    const members = await request(t.http)
      .get(`/v1/organizations/${team.organizationId}/members?limit=100`)
      .set(bearer(team.owner.accessToken))
      .expect(200);
    return (members.body.data as { user_id: string; role: string }[]).find(
      (m) => m.user_id === userId,
    )?.role;
  };

  describe('a valid response', () => {
    it('provisions the user in the organization, signs the browser in and goes on to RelayState; the next login is the same user', async () => {
      const address = email('ada');
      const browser = new PageClient(t);
      const login = await startLogin(browser, connection.id, RETURN_TO);
      expect(login.relayState).toMatch(/^rs_/);
      const answer = await postToAcs(
        browser,
        connection.id,
        response(login.requestId, address, {
          attributes: {
            firstName: 'Ada',
            lastName: 'Lovelace',
            groups: ['tessera-admins', 'staff'],
          },
        }),
        login.relayState,
      );
      expect(answer.status).toBe(303);
      expect(answer.headers.location).toBe(RETURN_TO);
      const userId = await signedInAs(browser);
      expect(userId).toBeDefined();
      expect(await usersWithEmail(address)).toBe(1);
      expect(await roleOf(userId!)).toBe('admin');

      // No password: the password login refuses it like a wrong one.
      await request(t.http)
        .post('/v1/auth/login')
        .send({ email: address, password: 'anything at all' })
        .expect(401);

      const again = new PageClient(t);
      const second = await startLogin(again, connection.id);
      const page = await postToAcs(again, connection.id, response(second.requestId, address));
      expect(page.status).toBe(200);
      expect(page.text).toContain('You are signed in');
      expect(await signedInAs(again)).toBe(userId);
      expect(await usersWithEmail(address)).toBe(1);
    });

    it('accepts a response signed as a whole (not the assertion)', async () => {
      const browser = new PageClient(t);
      const login = await startLogin(browser, connection.id);
      const answer = await postToAcs(
        browser,
        connection.id,
        response(login.requestId, email(), { sign: 'response' }),
      );
      expect(answer.status).toBe(200);
      expect(await signedInAs(browser)).toBeDefined();
    });
  });

  /** The browser the last `pendingRequest()` started in: the next refusal is posted from it. */
  let loginBrowser: PageClient | null = null;

  /**
   * Posts `xml` from the browser that started the pending request (else a fresh one): refused
   * with a 4xx page naming `reason`, nobody signed in.
   */
  async function expectRefused(xml: string, reason: string, status = 403) {
    const browser = loginBrowser ?? new PageClient(t);
    loginBrowser = null;
    const answer = await postToAcs(browser, connection.id, xml);
    expect({
      status: answer.status,
      reason: /<code>([a-z_]+)<\/code>/.exec(answer.text)?.[1],
    }).toEqual({
      status,
      reason,
    });
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.text).toContain('Single sign-on failed');
    expect(await signedInAs(browser)).toBeUndefined();
  }

  /** A pending AuthnRequest of the connection, as the IdP would answer it. */
  const pendingRequest = async () => {
    loginBrowser = new PageClient(t);
    return (await startLogin(loginBrowser, connection.id)).requestId;
  };

  describe('refuses, provisioning nobody', () => {
    it('an unsigned response', async () => {
      const address = email();
      await expectRefused(
        response(await pendingRequest(), address, { sign: 'none' }),
        'invalid_signature',
      );
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('a response signed with another certificate', async () => {
      const address = email();
      const other = new SamlTestIdp(idp.entityId);
      await expectRefused(
        response(await pendingRequest(), address, { signer: other.keys }),
        'invalid_signature',
      );
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('a response altered after it was signed', async () => {
      const signedFor = email('intern');
      const altered = email('ceo');
      const xml = response(await pendingRequest(), signedFor).replace(signedFor, altered);
      await expectRefused(xml, 'invalid_signature');
      expect(await usersWithEmail(altered)).toBe(0);
      expect(await usersWithEmail(signedFor)).toBe(0);
    });

    it('signature wrapping: a second, unsigned assertion beside the signed one', async () => {
      const requestId = await pendingRequest();
      const legit = email('legit');
      const victim = email('victim');
      const signed = response(requestId, legit);
      const forged = response(requestId, victim, { sign: 'none', assertionId: '_forged' });
      const forgedAssertion = forged.slice(
        forged.indexOf('<saml:Assertion'),
        forged.indexOf('</saml:Assertion>') + '</saml:Assertion>'.length,
      );
      const at = signed.indexOf('<saml:Assertion');
      const wrapped = signed.slice(0, at) + forgedAssertion + signed.slice(at);
      await expectRefused(wrapped, 'multiple_assertions');
      expect(await usersWithEmail(victim)).toBe(0);
      expect(await usersWithEmail(legit)).toBe(0);
    });

    it('a comment injected into the NameID: read whole, it is outside the domains, never the shorter address', async () => {
      const local = `boss-${++counter}`;
      const signedName = `${local}@${domain}.evil.com`;
      const xml = response(await pendingRequest(), signedName).replace(
        signedName,
        `${local}@${domain}<!---->.evil.com`,
      );
      await expectRefused(xml, 'email_outside_domains');
      expect(await usersWithEmail(`${local}@${domain}`)).toBe(0);
      expect(await usersWithEmail(signedName)).toBe(0);
    });

    it('a wrong audience', async () => {
      const address = email();
      await expectRefused(
        response(await pendingRequest(), address, { audience: 'https://other.example/sp' }),
        'wrong_audience',
      );
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('a wrong Destination (another ACS)', async () => {
      const address = email();
      await expectRefused(
        response(await pendingRequest(), address, {
          destination: connection.acs_url.replace(
            connection.id,
            'sso_0123456789abcdef0123456789abcdef',
          ),
        }),
        'wrong_destination',
      );
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('an expired response', async () => {
      const address = email();
      await expectRefused(
        response(await pendingRequest(), address, {
          notBeforeSeconds: -1200,
          notOnOrAfterSeconds: -600,
        }),
        'expired',
      );
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('a response not yet valid', async () => {
      const address = email();
      await expectRefused(
        response(await pendingRequest(), address, {
          notBeforeSeconds: 600,
          notOnOrAfterSeconds: 1200,
        }),
        'not_yet_valid',
      );
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('a replayed response', async () => {
      const address = email();
      const xml = response(await pendingRequest(), address);
      const browser = loginBrowser!;
      loginBrowser = null;
      const first = await postToAcs(browser, connection.id, xml);
      expect(first.status).toBe(200);
      // Its request was answered already, in that browser or any other.
      const again = await postToAcs(browser, connection.id, xml);
      expect([again.status, /<code>([a-z_]+)<\/code>/.exec(again.text)?.[1]]).toEqual([
        403,
        'unknown_request',
      ]);
      await expectRefused(xml, 'unknown_request');
      expect(await usersWithEmail(address)).toBe(1);
    });

    it('an unknown InResponseTo, and one of another connection’s requests', async () => {
      const address = email();
      await expectRefused(response('_made_up_request', address), 'unknown_request');
      const otherIdp = new SamlTestIdp();
      const other = await createConnection(t, team.inOrg(team.owner), otherIdp, {
        domains: [uniqueDomain('other')],
      });
      loginBrowser = new PageClient(t);
      const theirs = (await startLogin(loginBrowser, other.id)).requestId;
      await expectRefused(response(theirs, address), 'unknown_request');
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('an IdP-initiated response while the connection does not allow it', async () => {
      const address = email();
      await expectRefused(response(undefined, address), 'idp_initiated_disabled');
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('an email outside the connection’s domains', async () => {
      const address = `someone-${++counter}@${uniqueDomain('elsewhere')}`;
      await expectRefused(response(await pendingRequest(), address), 'email_outside_domains');
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('an email attribute outside the domains, whatever the NameID says', async () => {
      const address = `someone-${++counter}@${uniqueDomain('elsewhere')}`;
      await expectRefused(
        response(await pendingRequest(), email(), { attributes: { email: address } }),
        'email_outside_domains',
      );
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('a response from another IdP (issuer) signed with its own key', async () => {
      const address = email();
      const stranger = new SamlTestIdp();
      const xml = stranger.responseXml({
        destination: connection.acs_url,
        audience: connection.sp_entity_id,
        inResponseTo: await pendingRequest(),
        nameId: address,
      });
      await expectRefused(xml, 'invalid_signature');
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('no SAMLResponse, garbage, and an unknown connection', async () => {
      const browser = new PageClient(t);
      const empty = await browser.post(`/sso/${connection.id}/acs`, { RelayState: '/x' });
      expect(empty.status).toBe(400);
      const garbage = await browser.post(`/sso/${connection.id}/acs`, {
        SAMLResponse: 'bm90IHhtbA==',
      });
      expect(garbage.status).toBe(400);
      const unknown = await browser.post('/sso/sso_0123456789abcdef0123456789abcdef/acs', {
        SAMLResponse: 'bm90IHhtbA==',
      });
      expect(unknown.status).toBe(404);
      expect(unknown.text).toContain('does not exist');
    });
  });

  describe('an account that exists already', () => {
    it('is not taken over by a connection claiming its domain while the domain is unverified, member or not', async () => {
      const address = email('registered');
      await request(t.http)
        .post('/v1/auth/register')
        .send({ email: address, password: 'a long password here', full_name: 'Elsewhere' })
        .expect(201);
      await expectRefused(response(await pendingRequest(), address), 'domain_not_verified');
      await request(t.http)
        .post(`/v1/organizations/${team.organizationId}/members`)
        .set(bearer(team.owner.accessToken))
        .send({ email: address, role: 'viewer' })
        .expect(201);
      await expectRefused(response(await pendingRequest(), address), 'domain_not_verified');
    });
  });
});

describe('SAML SSO: IdP-initiated login and RelayState', () => {
  let t: TestApp;
  let idp: SamlTestIdp;
  let domain: string;
  let connection: TestConnection;
  beforeAll(async () => {
    t = await createTestApp({}, { extraModules: [BrowserSessionTestModule] });
    const team = await createTeam(t);
    idp = new SamlTestIdp();
    domain = uniqueDomain('idpinit');
    connection = await createConnection(t, team.inOrg(team.owner), idp, {
      domains: [domain],
      allow_idp_initiated: true,
      redirect_urls: ['https://app.example.com/after-sso'],
      default_role: 'viewer',
    });
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const unasked = (nameId: string) =>
    idp.responseXml({ destination: connection.acs_url, audience: connection.sp_entity_id, nameId });

  it('signs in without a request when the connection allows it, each assertion once (replay cache)', async () => {
    const xml = unasked(`pat@${domain}`);
    const first = await postToAcs(new PageClient(t), connection.id, xml, '/console');
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/console');
    const replay = await postToAcs(new PageClient(t), connection.id, xml);
    expect(replay.status).toBe(403);
    expect(replay.text).toContain('<code>replayed</code>');
  });

  it('goes on only to a path here or a registered URL: never an open redirect', async () => {
    const cases: [string, string | undefined][] = [
      ['https://app.example.com/after-sso', 'https://app.example.com/after-sso'],
      ['https://evil.example/steal', undefined],
      ['//evil.example/steal', undefined],
      ['/\\evil.example', undefined],
      ['https://app.example.com/after-sso/../x', undefined],
      ['/oauth/../console?x=1', '/console?x=1'],
    ];
    for (const [relayState, expected] of cases) {
      const answer = await postToAcs(
        new PageClient(t),
        connection.id,
        unasked(`relay-${Math.random().toString(36).slice(2)}@${domain}`),
        relayState,
      );
      expect({ relayState, location: answer.headers.location as string | undefined }).toEqual({
        relayState,
        location: expected,
      });
      expect(answer.status).toBe(expected ? 303 : 200);
    }
  });
});

import request from 'supertest';
import { DataSource } from 'typeorm';
import { User } from '../../src/modules/users/user.entity';
import { BrowserSessionTestModule } from '../utils/browser-session-test.module';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { bearer, createUser } from '../utils/factories';
import { PageClient, setCookiesOf } from '../utils/pages';
import {
  ResponseOptions,
  SAML_ASSERTION,
  SAML_PROTOCOL,
  SamlTestIdp,
} from '../utils/saml-test-idp';
import {
  createConnection,
  postToAcs,
  startLogin,
  TestConnection,
  uniqueDomain,
} from '../utils/sso';
import { createTeam, Team } from '../utils/teams';
import { TestClock } from '../utils/test-clock';

const NS = `xmlns:samlp="${SAML_PROTOCOL}" xmlns:saml="${SAML_ASSERTION}"`;
const reasonOf = (answer: request.Response) => /<code>([a-z_]+)<\/code>/.exec(answer.text)?.[1];

/** The review's findings 2 to 6 and the lower ones, each as a user of the ACS would see it. */
describe('SAML SSO: the ACS holds against the review’s attacks', () => {
  let t: TestApp;
  let team: Team;
  let idp: SamlTestIdp;
  let domain: string;
  /** IdP-initiated login off (the default). */
  let connection: TestConnection;
  /** IdP-initiated login on, with a registered redirect URL. */
  let open: TestConnection;
  let openDomain: string;
  let counter = 0;
  const email = (label = 'person') => `${label}-${++counter}-${Date.now()}@${domain}`;

  beforeAll(async () => {
    t = await createTestApp({}, { extraModules: [BrowserSessionTestModule] });
    team = await createTeam(t);
    idp = new SamlTestIdp();
    domain = uniqueDomain('hardened');
    connection = await createConnection(t, team.inOrg(team.owner), idp, {
      domains: [domain],
      group_role_mapping: { staff: 'member' },
      default_role: 'viewer',
    });
    openDomain = uniqueDomain('open');
    open = await createConnection(t, team.inOrg(team.owner), idp, {
      domains: [openDomain],
      allow_idp_initiated: true,
      redirect_urls: ['https://app.example.com/after-sso'],
    });
  });
  afterAll(async () => {
    // Finding 6: never a 5xx, whatever was posted.
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const signedInAs = async (browser: PageClient) =>
    (await browser.get('/oauth/test/browser-session', 200)).body.session?.userId as
      string | undefined;
  const usersWithEmail = (address: string) =>
    t.app.get(DataSource).getRepository(User).countBy({ email: address });
  const response = (
    to: TestConnection,
    inResponseTo: string | undefined,
    nameId: string,
    options: Partial<ResponseOptions> = {},
  ) =>
    idp.responseXml({
      destination: to.acs_url,
      audience: to.sp_entity_id,
      inResponseTo,
      nameId,
      ...options,
    });
  const loginIn = async (browser: PageClient, to = connection) =>
    (await startLogin(browser, to.id)).requestId;

  /** A fresh browser signs in through `connection`: the ACS's status. */
  const normalLogin = async () => {
    const browser = new PageClient(t);
    const answer = await postToAcs(
      browser,
      connection.id,
      response(connection, await loginIn(browser), email('normal')),
    );
    return answer.status;
  };

  describe('finding 2: responses too large or complex to parse are refused before node-saml', () => {
    it('refuses 16,000 empty elements naming a pending request (the review’s stall), and serves the next login', async () => {
      // 64 KB of XML: past the ACS's body limit now, so refused before it is even read whole.
      const browser = new PageClient(t);
      const xml = (count: number, requestId: string) =>
        `<samlp:Response ${NS} InResponseTo="${requestId}"><saml:Assertion ID="a1">${'<a/>'.repeat(count)}</saml:Assertion></samlp:Response>`;
      const huge = await postToAcs(browser, connection.id, xml(16_000, await loginIn(browser)));
      expect(huge.status).toBe(413);
      // Within the body limit, past the element limit: refused by the pre-check.
      const many = await postToAcs(browser, connection.id, xml(3000, await loginIn(browser)));
      expect([many.status, reasonOf(many)]).toEqual([400, 'response_too_complex']);
      expect(await signedInAs(browser)).toBeUndefined();
      expect(await normalLogin()).toBe(200);
    });

    it('refuses deep nesting, too many attributes, a DOCTYPE (entity expansion), and a body past 64 KB', async () => {
      const deep = `<samlp:Response ${NS}>${'<a>'.repeat(6000)}${'</a>'.repeat(6000)}</samlp:Response>`;
      const wide = `<samlp:Response ${NS}><a ${Array.from({ length: 60 }, (_, i) => `x${i}="1"`).join(' ')}/></samlp:Response>`;
      const lol =
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
        `<samlp:Response ${NS}>&b;</samlp:Response>`;
      for (const [xml, reason] of [
        [deep, 'response_too_complex'],
        [wide, 'response_too_complex'],
        [lol, 'malformed_response'],
      ]) {
        const answer = await postToAcs(new PageClient(t), connection.id, xml);
        expect({ reason, got: [answer.status, reasonOf(answer)] }).toEqual({
          reason,
          got: [400, reason],
        });
      }
      const big = await new PageClient(t).post(`/sso/${connection.id}/acs`, {
        SAMLResponse: 'A'.repeat(70 * 1024),
      });
      expect(big.status).toBe(413);
      expect(await normalLogin()).toBe(200);
    });
  });

  describe('finding 3: RelayState never sends the browser off-site', () => {
    it('refuses every normalisation bypass, and paths outside /oauth/ and /console', async () => {
      const cases: [string, string | undefined][] = [
        ['/..//evil.example/x', undefined],
        ['/.//evil.example', undefined],
        ['/%2e%2e//evil.example', undefined],
        ['/a/..//evil.example', undefined],
        ['/oauth/..//evil.example', undefined],
        ['//evil.example', undefined],
        ['/\\evil.example', undefined],
        ['/\t/evil.example', undefined],
        ['https://evil.example/', undefined],
        ['/v1/organizations', undefined],
        ['/consoleevil', undefined],
        ['/console/settings', '/console/settings'],
        ['/oauth/authorize?client_id=c', '/oauth/authorize?client_id=c'],
        ['https://app.example.com/after-sso', 'https://app.example.com/after-sso'],
      ];
      for (const [relayState, expected] of cases) {
        const answer = await postToAcs(
          new PageClient(t),
          open.id,
          response(open, undefined, `relay-${++counter}@${openDomain}`),
          relayState,
        );
        expect({ relayState, status: answer.status, location: answer.headers.location }).toEqual({
          relayState,
          status: expected ? 303 : 200,
          location: expected,
        });
      }
    });

    it('drops an unsafe return_to at SP-initiated login (no RelayState is sent)', async () => {
      const browser = new PageClient(t);
      const login = await startLogin(browser, connection.id, '/..//evil.example/x');
      expect(login.relayState).toBeNull();
    });
  });

  describe('finding 4: an answer is to a request this browser started, once', () => {
    it('refuses an unsolicited assertion put in an envelope naming a pending request, and spends that request', async () => {
      const unsolicited = response(connection, undefined, email('unsolicited'));
      const attacker = new PageClient(t);
      const requestId = await loginIn(attacker);
      const wrapped = unsolicited.replace(
        '<samlp:Response ',
        `<samlp:Response InResponseTo="${requestId}" `,
      );
      const answer = await postToAcs(attacker, connection.id, wrapped);
      expect([answer.status, reasonOf(answer)]).toEqual([403, 'idp_initiated_disabled']);
      expect(await signedInAs(attacker)).toBeUndefined();
      // The request is spent: its real answer is refused too.
      const real = await postToAcs(
        attacker,
        connection.id,
        response(connection, requestId, email('real')),
      );
      expect([real.status, reasonOf(real)]).toEqual([403, 'unknown_request']);
    });

    it('refuses an answer posted from another browser than the one that started the login (login CSRF)', async () => {
      const attacker = new PageClient(t);
      const requestId = await loginIn(attacker);
      const xml = response(connection, requestId, email('attacker'));
      const victim = new PageClient(t);
      const answer = await postToAcs(victim, connection.id, xml);
      expect([answer.status, reasonOf(answer)]).toEqual([403, 'other_browser']);
      expect(await signedInAs(victim)).toBeUndefined();
      expect((await postToAcs(attacker, connection.id, xml)).status).toBe(403);
    });

    it('sets the binding cookie SameSite=None; Secure under __Host- on https, HttpOnly always', async () => {
      await withTestApp({ TESSERA_ISSUER: 'https://tessera.test' }, async (https) => {
        const owner = await createTeam(https);
        const c = await createConnection(https, owner.inOrg(owner.owner), idp, {
          domains: [uniqueDomain('https')],
        });
        const login = await request(https.http).get(`/sso/${c.id}/login`).expect(302);
        const cookie = setCookiesOf(login).find((s) => s.name === '__Host-tessera_sso');
        expect(cookie?.attributes).toMatchObject({
          httponly: true,
          secure: true,
          samesite: 'None',
          path: '/',
        });
      });
      const plain = await request(t.http).get(`/sso/${connection.id}/login`).expect(302);
      expect(setCookiesOf(plain).find((s) => s.name === 'tessera_sso')?.attributes).toMatchObject({
        httponly: true,
        samesite: 'Lax',
      });
    });
  });

  describe('finding 5: group names are names, not object properties', () => {
    it.each([['constructor'], ['toString'], ['__proto__'], ['hasOwnProperty', 'staff']])(
      'provisions with groups %p, and signs in again',
      async (...groups: string[]) => {
        const address = email('groups');
        for (let login = 0; login < 2; login++) {
          const browser = new PageClient(t);
          const answer = await postToAcs(
            browser,
            connection.id,
            response(connection, await loginIn(browser), address, { attributes: { groups } }),
          );
          expect(answer.status).toBe(200);
        }
        const members = await request(t.http)
          .get(`/v1/organizations/${team.organizationId}/members?limit=100`)
          .set(bearer(team.owner.accessToken))
          .expect(200);
        const role = (members.body.data as { email: string; role: string }[]).find(
          (m) => m.email === address,
        )?.role;
        expect(role).toBe(groups.includes('staff') ? 'member' : 'viewer');
      },
    );
  });

  describe('finding 6: a malformed envelope around a signed assertion', () => {
    it('is refused as malformed (4xx), no one signed in', async () => {
      const browser = new PageClient(t);
      const address = email('envelope');
      const xml = response(connection, await loginIn(browser), address).replace(
        '<samlp:Status>',
        '<samlp:Extensions><x></y></samlp:Extensions><samlp:Status>',
      );
      const answer = await postToAcs(browser, connection.id, xml);
      expect([answer.status, reasonOf(answer)]).toEqual([400, 'malformed_response']);
      expect(await signedInAs(browser)).toBeUndefined();
      expect(await usersWithEmail(address)).toBe(0);
    });
  });

  describe('lower findings', () => {
    it('refuses a response signed with RSA-SHA1', async () => {
      const browser = new PageClient(t);
      const address = email('sha1');
      const answer = await postToAcs(
        browser,
        connection.id,
        response(connection, await loginIn(browser), address, { sha1: true }),
      );
      expect([answer.status, reasonOf(answer)]).toEqual([403, 'weak_signature']);
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('refuses an email with a trailing dot (another account than the one without)', async () => {
      const browser = new PageClient(t);
      const address = `${email('dot')}.`;
      const answer = await postToAcs(
        browser,
        connection.id,
        response(connection, await loginIn(browser), address),
      );
      expect([answer.status, reasonOf(answer)]).toEqual([403, 'no_email']);
      expect(await usersWithEmail(address)).toBe(0);
    });

    it('refuses a bearer confirmation that is not valid yet', async () => {
      const answer = await postToAcs(
        new PageClient(t),
        open.id,
        response(open, undefined, `early-${++counter}@${openDomain}`, {
          confirmationNotBeforeSeconds: 600,
        }),
      );
      expect([answer.status, reasonOf(answer)]).toEqual([403, 'not_yet_valid']);
    });

    it('keeps the email and role in the provisioning event, however many groups the IdP sends', async () => {
      const browser = new PageClient(t);
      const address = email('manygroups');
      const groups = Array.from({ length: 150 }, (_, i) => `group-${i}-${'x'.repeat(120)}`);
      const answer = await postToAcs(
        browser,
        connection.id,
        response(connection, await loginIn(browser), address, { attributes: { groups } }),
      );
      expect(answer.status).toBe(200);
      const userId = await signedInAs(browser);
      let event: { metadata: Record<string, unknown> } | undefined;
      for (let attempt = 0; attempt < 50 && !event; attempt++) {
        const events = await request(t.http)
          .get(`/v1/audit-logs?action=sso.user.provisioned&target_id=${userId}`)
          .set(team.inOrg(team.owner))
          .expect(200);
        event = events.body.data[0];
        if (!event) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(event?.metadata).toMatchObject({ email: address, role: 'viewer' });
      expect((event?.metadata.groups as string[]).length).toBeLessThanOrEqual(20);
    });

    it('rate-limits GET /sso/:id/login per client like other public routes', async () => {
      await withTestApp(
        { RATE_LIMITS_ENABLED: 'true', PUBLIC_RATE_LIMIT_PER_MINUTE: '10' },
        async (limited) => {
          const owner = await createUser(limited, 'limited');
          const c = await createConnection(
            limited,
            { ...bearer(owner.accessToken), 'X-Organization-ID': owner.organizationId },
            idp,
            { domains: [uniqueDomain('limited')] },
          );
          const statuses: number[] = [];
          for (let i = 0; i < 12; i++) {
            statuses.push((await request(limited.http).get(`/sso/${c.id}/login`)).status);
          }
          expect(statuses).toContain(429);
        },
        // Stands still one second into a minute: on the real clock, a minute starting over
        // midway would count the 12 against two windows of 10.
        { clock: TestClock.atStartOfNextHour() },
      );
    });
  });
});

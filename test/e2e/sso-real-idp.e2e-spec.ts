import request from 'supertest';
import { DataSource } from 'typeorm';
import { User } from '../../src/modules/users/user.entity';
import { BrowserSessionTestModule } from '../utils/browser-session-test.module';
import { createTestApp, TestApp } from '../utils/create-app';
import { bearer } from '../utils/factories';
import { PageClient } from '../utils/pages';
import {
  CookieJar,
  describeWithSimpleSamlPhp,
  IdpResponseForm,
  IdpUser,
  signInAtIdp,
  SimpleSamlPhpIdp,
  startSimpleSamlPhpIdp,
} from '../utils/simplesamlphp-idp';
import { TestConnection, uniqueDomain, verifyDomainAsOperator } from '../utils/sso';
import { createTeam, Team } from '../utils/teams';

const RETURN_TO = '/oauth/authorize?client_id=client_x&state=s1';

/**
 * SAML SSO against a real IdP: Debian's SimpleSAMLphp, started by the test, signs the users in
 * over HTTP and posts its own signed responses (not a signer written for the test) to Tessera's
 * ACS. The connection is made from the IdP's metadata document as it serves it; the users are
 * provisioned just in time into the connection's organization, with the role their groups map
 * to, and signing in again finds the same users.
 */
describeWithSimpleSamlPhp('SAML SSO with a real IdP (SimpleSAMLphp)', () => {
  let t: TestApp;
  let team: Team;
  let idp: SimpleSamlPhpIdp;
  let connection: TestConnection;
  let domain: string;
  let ada: IdpUser;
  let grace: IdpUser;
  let alan: IdpUser;
  /** Of another domain, for a second connection that signs its AuthnRequests. */
  let hedy: IdpUser;
  /** User ids of the first logins, by username. */
  const firstLogin = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestApp({}, { extraModules: [BrowserSessionTestModule] });
    team = await createTeam(t);
    domain = uniqueDomain('idp');
    ada = {
      username: 'ada',
      password: 'analytical engine',
      email: `ada.lovelace@${domain}`,
      groups: ['engineering', 'tessera-admins'],
    };
    grace = {
      username: 'grace',
      password: 'cobol 1959',
      email: `grace@${domain}`,
      groups: ['sales'],
    };
    alan = { username: 'alan', password: 'bombe', email: `alan@${domain}`, groups: [] };
    hedy = {
      username: 'hedy',
      password: 'frequency hopping',
      email: `hedy@${uniqueDomain('idp')}`,
      groups: [],
    };
    idp = await startSimpleSamlPhpIdp({ users: [ada, grace, alan, hedy] });
    const created = await request(t.http)
      .post('/v1/sso/connections')
      .set(team.inOrg(team.owner))
      .send({
        name: 'Corp SimpleSAMLphp',
        provider: 'custom_saml',
        idp_metadata_xml: idp.metadataXml,
        domains: [domain],
        default_role: 'viewer',
        group_role_mapping: { 'tessera-admins': 'admin' },
      })
      .expect(201);
    connection = created.body as TestConnection;
    // Discovery by email (the login page's "Sign in with SSO") routes by verified domains only.
    await verifyDomainAsOperator(t, connection, domain);
    idp.registerServiceProvider({ entityId: connection.sp_entity_id, acsUrl: connection.acs_url });
  });
  afterAll(async () => {
    await idp?.stop();
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  /** Who the browser is signed in as, by its Tessera session cookie. */
  const signedInAs = async (browser: PageClient) =>
    (await browser.get('/oauth/test/browser-session', 200)).body.session?.userId as
      string | undefined;

  const members = async () => {
    const list = await request(t.http)
      .get(`/v1/organizations/${team.organizationId}/members?limit=100`)
      .set(bearer(team.owner.accessToken))
      .expect(200);
    return list.body.data as { user_id: string; email: string; role: string }[];
  };

  const usersWithEmail = (email: string) =>
    t.app.get(DataSource).getRepository(User).countBy({ email });

  /**
   * The browser's way through: Tessera's redirect to the IdP, the IdP's login form, and its
   * auto-submitted form posted to the ACS it names. `jar` holds the IdP's cookies (its session).
   */
  async function signInThroughIdp(
    browser: PageClient,
    startPath: string,
    user: IdpUser,
    jar = new CookieJar(),
  ): Promise<{ form: IdpResponseForm; answer: request.Response }> {
    const toIdp = await browser.get(startPath, 302);
    const location = toIdp.headers.location as string;
    expect(location.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);
    let form: IdpResponseForm;
    try {
      form = await signInAtIdp(location, user, jar);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nIdP log:\n${idp.log()}`);
    }
    expect(form.action).toBe(connection.acs_url);
    const answer = await browser.post(new URL(form.action).pathname, {
      SAMLResponse: form.SAMLResponse,
      ...(form.RelayState ? { RelayState: form.RelayState } : {}),
    });
    return { form, answer };
  }

  const loginPath = `/sso/{id}/login?return_to=${encodeURIComponent(RETURN_TO)}`;

  it('signs two users in SP-initiated and provisions both: the default role, and admin from the groups mapping', async () => {
    for (const user of [ada, grace]) {
      const browser = new PageClient(t);
      const { form, answer } = await signInThroughIdp(
        browser,
        loginPath.replace('{id}', connection.id),
        user,
      );
      // The RelayState Tessera sent came back through the IdP and stands for return_to.
      expect(form.RelayState).toMatch(/^rs_/);
      expect({ status: answer.status, location: answer.headers.location }).toEqual({
        status: 303,
        location: RETURN_TO,
      });
      const userId = await signedInAs(browser);
      expect(userId).toEqual(expect.any(String));
      firstLogin.set(user.username, userId!);
    }

    const list = await members();
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          user_id: firstLogin.get('ada'),
          email: ada.email,
          role: 'admin',
        }),
        expect.objectContaining({
          user_id: firstLogin.get('grace'),
          email: grace.email,
          role: 'viewer',
        }),
      ]),
    );
    // The owner and the team's three, and the two people from the IdP.
    expect(list).toHaveLength(6);
  });

  it('matches the same users at their second login: same ids, no second account or membership', async () => {
    expect(firstLogin.size).toBe(2);
    // Ada types her password again (a new browser); Grace still has her IdP session and comes
    // through discovery by her email's domain, the way the login page's "Sign in with SSO" goes.
    const adaBrowser = new PageClient(t);
    const again = await signInThroughIdp(adaBrowser, `/sso/${connection.id}/login`, ada);
    expect(again.answer.status).toBe(200);
    expect(again.answer.text).toContain('You are signed in');
    expect(await signedInAs(adaBrowser)).toBe(firstLogin.get('ada'));

    const graceJar = new CookieJar();
    const first = new PageClient(t);
    await signInThroughIdp(first, `/sso/${connection.id}/login`, grace, graceJar);
    expect(await signedInAs(first)).toBe(firstLogin.get('grace'));
    const graceBrowser = new PageClient(t);
    const discovered = await signInThroughIdp(
      graceBrowser,
      `/sso/login?email=${encodeURIComponent(grace.email.toUpperCase())}&return_to=${encodeURIComponent(RETURN_TO)}`,
      { ...grace, password: 'never asked: the IdP session signs her in' },
      graceJar,
    );
    expect(discovered.answer.status).toBe(303);
    expect(discovered.answer.headers.location).toBe(RETURN_TO);
    expect(await signedInAs(graceBrowser)).toBe(firstLogin.get('grace'));

    const list = await members();
    expect(list).toHaveLength(6);
    expect(list.filter((m) => m.email === ada.email)).toEqual([
      expect.objectContaining({ user_id: firstLogin.get('ada'), role: 'admin' }),
    ]);
    expect(list.filter((m) => m.email === grace.email)).toEqual([
      expect.objectContaining({ user_id: firstLogin.get('grace'), role: 'viewer' }),
    ]);
    expect(await usersWithEmail(ada.email)).toBe(1);
    expect(await usersWithEmail(grace.email)).toBe(1);
  });

  it('provisions a newcomer who starts at discovery (/sso/login?email=)', async () => {
    const browser = new PageClient(t);
    const { answer } = await signInThroughIdp(
      browser,
      `/sso/login?email=${encodeURIComponent(alan.email)}&return_to=${encodeURIComponent(RETURN_TO)}`,
      alan,
    );
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe(RETURN_TO);
    const userId = await signedInAs(browser);
    expect(await members()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ user_id: userId, email: alan.email, role: 'viewer' }),
      ]),
    );
    expect(await usersWithEmail(alan.email)).toBe(1);
  });

  it('refuses the IdP’s signed response posted a second time: the request it answers has finished', async () => {
    const browser = new PageClient(t);
    const { form, answer } = await signInThroughIdp(browser, `/sso/${connection.id}/login`, alan);
    expect(answer.status).toBe(200);
    const thief = new PageClient(t);
    const replay = await thief.post(new URL(form.action).pathname, {
      SAMLResponse: form.SAMLResponse,
    });
    expect(replay.status).toBe(403);
    expect(/<code>([a-z_]+)<\/code>/.exec(replay.text)?.[1]).toBe('unknown_request');
    expect(await signedInAs(thief)).toBeUndefined();
  });

  it('signs its AuthnRequests when the connection says so, which the IdP verifies against the SP metadata’s certificate', async () => {
    const created = await request(t.http)
      .post('/v1/sso/connections')
      .set(team.inOrg(team.owner))
      .send({
        name: 'Corp SimpleSAMLphp, signed requests',
        provider: 'custom_saml',
        idp_metadata_xml: idp.metadataXml,
        domains: [hedy.email.split('@')[1]],
        sign_authn_requests: true,
      })
      .expect(201);
    const signing = created.body as TestConnection;
    const metadata = (await request(t.http).get(`/sso/${signing.id}/metadata`).expect(200)).text;
    const certificate = /<ds:X509Certificate>([A-Za-z0-9+/=\s]+)<\/ds:X509Certificate>/.exec(
      metadata,
    )?.[1];
    expect(certificate).toBeDefined();
    // The IdP now refuses this SP's requests unless they carry a signature by that certificate.
    idp.registerServiceProvider({
      entityId: signing.sp_entity_id,
      acsUrl: signing.acs_url,
      signingCertificatePem: `-----BEGIN CERTIFICATE-----\n${certificate!.replace(/\s+/g, '')}\n-----END CERTIFICATE-----\n`,
    });
    const previous = connection;
    connection = signing;
    try {
      const browser = new PageClient(t);
      const { answer } = await signInThroughIdp(browser, `/sso/${signing.id}/login`, hedy);
      expect(answer.status).toBe(200);
      expect(await signedInAs(browser)).toEqual(expect.any(String));
      expect(await members()).toEqual(
        expect.arrayContaining([expect.objectContaining({ email: hedy.email, role: 'member' })]),
      );
    } finally {
      connection = previous;
    }
  });
});

import request from 'supertest';
import { DataSource } from 'typeorm';
import { User } from '../../src/modules/users/user.entity';
import { BrowserSessionTestModule } from '../utils/browser-session-test.module';
import { createTestApp, TestApp } from '../utils/create-app';
import { TestDnsServer } from '../utils/dns-server';
import { bearer, createUser } from '../utils/factories';
import { PageClient } from '../utils/pages';
import { SamlTestIdp } from '../utils/saml-test-idp';
import {
  createConnection,
  postToAcs,
  startLogin,
  TestConnection,
  uniqueDomain,
} from '../utils/sso';
import { addMember, createTeam, Team } from '../utils/teams';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

interface DomainClaim {
  domain: string;
  verified: boolean;
  verified_by: string | null;
  verification: { type: string; name: string; value: string };
}

/**
 * Finding 1 of the review: a connection claiming a domain it does not own could sign in as
 * any existing account of that domain. Claims stay pending until a DNS TXT record (looked up
 * for real, from a DNS server on 127.0.0.1) or the operator verifies them; a connection never
 * does more than the administrator it answers to may now.
 */
describe('SAML SSO: domain verification and what a connection may do', () => {
  let t: TestApp;
  const dns = new TestDnsServer();

  beforeAll(async () => {
    const server = await dns.start();
    t = await createTestApp(
      { SSO_DNS_SERVERS: server },
      { extraModules: [BrowserSessionTestModule] },
    );
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
    await dns.stop();
  });

  const signedInAs = async (browser: PageClient) =>
    (await browser.get('/oauth/test/browser-session', 200)).body.session?.userId as
      string | undefined;
  const usersWithEmail = (address: string) =>
    t.app.get(DataSource).getRepository(User).countBy({ email: address });
  const register = async (email: string) =>
    (
      await request(t.http)
        .post('/v1/auth/register')
        .send({ email, password: 'a long password here', full_name: 'Someone' })
        .expect(201)
    ).body.user_id as string;

  /** SP-initiated login of `nameId` through the connection: the ACS's answer and the session. */
  async function signIn(idp: SamlTestIdp, connection: TestConnection, nameId: string) {
    const browser = new PageClient(t);
    const login = await startLogin(browser, connection.id);
    const answer = await postToAcs(
      browser,
      connection.id,
      idp.responseXml({
        destination: connection.acs_url,
        audience: connection.sp_entity_id,
        inResponseTo: login.requestId,
        nameId,
      }),
    );
    return {
      status: answer.status,
      reason: /<code>([a-z_]+)<\/code>/.exec(answer.text)?.[1],
      session: await signedInAs(browser),
    };
  }

  const claimOf = (connection: { domain_claims: DomainClaim[] }, domain: string) =>
    connection.domain_claims.find((c) => c.domain === domain)!;
  const verify = (headers: Record<string, string>, id: string, domain: string, body = {}) =>
    request(t.http)
      .post(`/v1/sso/connections/${id}/domains/${domain}/verify`)
      .set(headers)
      .send(body);
  const asOperator = (organizationId: string) => ({
    ...bearer(TEST_ADMIN_TOKEN),
    'X-Organization-ID': organizationId,
  });

  it('keeps anyone who claims a domain from signing in as its existing accounts (the cross-tenant takeover)', async () => {
    const victimDomain = uniqueDomain('victimcorp');
    const victimEmail = `ceo@${victimDomain}`;
    await register(victimEmail);
    // The attacker owns an organization, adds the victim to it, claims the victim's domain.
    const attacker = await createUser(t, 'attacker');
    await request(t.http)
      .post(`/v1/organizations/${attacker.organizationId}/members`)
      .set(bearer(attacker.accessToken))
      .send({ email: victimEmail, role: 'viewer' })
      .expect(201);
    const idp = new SamlTestIdp();
    const connection = await createConnection(
      t,
      { ...bearer(attacker.accessToken), 'X-Organization-ID': attacker.organizationId },
      idp,
      { domains: [victimDomain] },
    );
    expect(await signIn(idp, connection, victimEmail)).toEqual({
      status: 403,
      reason: 'domain_not_verified',
      session: undefined,
    });
    // The attacker cannot publish the TXT record of a zone they do not control.
    const refused = await verify(
      { ...bearer(attacker.accessToken), 'X-Organization-ID': attacker.organizationId },
      connection.id,
      victimDomain,
    ).expect(409);
    expect(refused.body.code).toBe('domain_not_verified');
    expect(await signIn(idp, connection, victimEmail)).toMatchObject({ status: 403 });
  });

  it('verifies a domain by its DNS TXT record; a verified domain signs in existing members', async () => {
    const team = await createTeam(t);
    const domain = uniqueDomain('dnsverified');
    const other = uniqueDomain('pending');
    const idp = new SamlTestIdp();
    const connection = (await createConnection(t, team.inOrg(team.owner), idp, {
      domains: [domain, other],
    })) as TestConnection & { domain_claims: DomainClaim[] };
    const claim = claimOf(connection, domain);
    expect(claim).toEqual({
      domain,
      verified: false,
      verified_at: null,
      verified_by: null,
      verification: {
        type: 'dns_txt',
        name: `_tessera-challenge.${domain}`,
        value: expect.stringMatching(/^tessera-domain-verification=[A-Za-z0-9_-]{32}$/),
      },
    });
    expect(claimOf(connection, other).verification.value).not.toBe(claim.verification.value);

    const member = `member@${domain}`;
    const memberId = await register(member);
    await request(t.http)
      .post(`/v1/organizations/${team.organizationId}/members`)
      .set(bearer(team.owner.accessToken))
      .send({ email: member, role: 'member' })
      .expect(201);
    expect(await signIn(idp, connection, member)).toMatchObject({ reason: 'domain_not_verified' });

    // Nothing published, then something else, then the value.
    const missing = await verify(team.inOrg(team.owner), connection.id, domain).expect(409);
    expect(missing.body.detail).toContain(`_tessera-challenge.${domain}`);
    dns.records.set(claim.verification.name, ['v=spf1 -all', 'tessera-domain-verification=wrong']);
    await verify(team.inOrg(team.owner), connection.id, domain).expect(409);
    dns.records.set(claim.verification.name, ['v=spf1 -all', claim.verification.value]);
    const verified = await verify(team.inOrg(team.members.admin), connection.id, domain).expect(
      200,
    );
    expect(claimOf(verified.body, domain)).toMatchObject({
      verified: true,
      verified_by: 'dns_txt',
    });
    expect(claimOf(verified.body, other).verified).toBe(false);

    expect(await signIn(idp, connection, member)).toEqual({
      status: 200,
      reason: undefined,
      session: memberId,
    });
    // Verified or not, an account outside the organization waits for an administrator.
    const outsider = `outsider@${domain}`;
    await register(outsider);
    expect(await signIn(idp, connection, outsider)).toMatchObject({
      status: 403,
      reason: 'account_outside_organization',
      session: undefined,
    });

    // A PATCH that keeps the domain keeps its verification.
    const third = uniqueDomain('third');
    const patched = await request(t.http)
      .patch(`/v1/sso/connections/${connection.id}`)
      .set(team.inOrg(team.owner))
      .send({ domains: [domain, third] })
      .expect(200);
    expect(claimOf(patched.body, domain).verified).toBe(true);
    expect(claimOf(patched.body, third).verified).toBe(false);
  });

  it('provisions newcomers of an unverified domain and signs in again only those it provisioned', async () => {
    const team = await createTeam(t);
    const domain = uniqueDomain('newcomers');
    const idp = new SamlTestIdp();
    const connection = await createConnection(t, team.inOrg(team.owner), idp, {
      domains: [domain],
    });
    const first = await signIn(idp, connection, `new@${domain}`);
    expect(first).toMatchObject({ status: 200 });
    expect(first.session).toBeDefined();
    expect(await signIn(idp, connection, `new@${domain}`)).toEqual(first);
    expect(await usersWithEmail(`new@${domain}`)).toBe(1);

    // Deleted and claimed again by another connection: it did not provision them.
    await request(t.http)
      .delete(`/v1/sso/connections/${connection.id}`)
      .set(team.inOrg(team.owner))
      .expect(204);
    const again = await createConnection(t, team.inOrg(team.owner), idp, { domains: [domain] });
    expect(await signIn(idp, again, `new@${domain}`)).toMatchObject({
      status: 403,
      reason: 'domain_not_verified',
    });
  });

  it('lets only the instance operator verify a domain without DNS, in any organization; another organization’s connection is a 404', async () => {
    const team = await createTeam(t);
    const domain = uniqueDomain('vouched');
    const connection = await createConnection(t, team.inOrg(team.owner), new SamlTestIdp(), {
      domains: [domain],
    });
    const refused = await verify(team.inOrg(team.owner), connection.id, domain, {
      method: 'operator',
    }).expect(403);
    expect(refused.body.code).toBe('operator_only');
    await verify(team.inOrg(team.owner), connection.id, domain, { method: 'sms' }).expect(422);
    await verify(team.inOrg(team.owner), connection.id, uniqueDomain('unclaimed')).expect(404);

    const stranger = await createUser(t, 'stranger');
    await verify(
      { ...bearer(stranger.accessToken), 'X-Organization-ID': stranger.organizationId },
      connection.id,
      domain,
    ).expect(404);
    await verify(team.inOrg(team.members.member), connection.id, domain).expect(403);

    const vouched = await verify(asOperator(team.organizationId), connection.id, domain, {
      method: 'operator',
    }).expect(200);
    expect(claimOf(vouched.body, domain)).toMatchObject({
      verified: true,
      verified_by: 'operator',
    });
  });

  describe('the administrator a connection answers to', () => {
    /** A team whose admin connected an IdP for a verified domain the owner's email is in. */
    async function adminsConnection(): Promise<{
      team: Team;
      idp: SamlTestIdp;
      domain: string;
      connection: TestConnection;
      ownerEmail: string;
    }> {
      const team = await createTeam(t);
      const domain = uniqueDomain('ownerco');
      const ownerEmail = `boss@${domain}`;
      await register(ownerEmail);
      await addMember(t, team.organizationId, team.owner, ownerEmail, 'owner');
      const idp = new SamlTestIdp();
      const connection = await createConnection(t, team.inOrg(team.members.admin), idp, {
        domains: [domain],
        default_role: 'admin',
      });
      expect(connection.created_by).toBe(`user:${team.members.admin.userId}`);
      await verify(asOperator(team.organizationId), connection.id, domain, {
        method: 'operator',
      }).expect(200);
      return { team, idp, domain, connection, ownerEmail };
    }

    it('signs in no member who outranks them: an admin’s connection cannot sign in an owner', async () => {
      const { idp, domain, connection, ownerEmail } = await adminsConnection();
      expect(await signIn(idp, connection, ownerEmail)).toEqual({
        status: 403,
        reason: 'member_outranks_connection',
        session: undefined,
      });
      expect(await signIn(idp, connection, `staff@${domain}`)).toMatchObject({ status: 200 });
    });

    it('signs in no account holding a role elsewhere that they do not hold: its browser session acts there too', async () => {
      const { team, idp, domain, connection } = await adminsConnection();
      // A member here, and the owner of the organization their registration made.
      const registered = `dev@${domain}`;
      await register(registered);
      await addMember(t, team.organizationId, team.owner, registered, 'member');
      expect(await signIn(idp, connection, registered)).toEqual({
        status: 403,
        reason: 'member_outranks_connection',
        session: undefined,
      });

      // Made by the connection, then let into an organization the administrator is not in.
      const provisioned = `contractor@${domain}`;
      expect(await signIn(idp, connection, provisioned)).toMatchObject({ status: 200 });
      const elsewhere = await createUser(t, 'elsewhere');
      await addMember(t, elsewhere.organizationId, elsewhere, provisioned, 'viewer');
      expect(await signIn(idp, connection, provisioned)).toMatchObject({
        status: 403,
        reason: 'member_outranks_connection',
      });

      // Taken over by the organization's owner, for the domain this connection verified: the
      // domain's authority (README, "Whom a connection answers to").
      await request(t.http)
        .patch(`/v1/sso/connections/${connection.id}`)
        .set(team.inOrg(team.owner))
        .send({})
        .expect(200);
      expect(await signIn(idp, connection, registered)).toMatchObject({ status: 200 });
      expect(await signIn(idp, connection, provisioned)).toMatchObject({ status: 200 });
    });

    it('stops when they no longer manage SSO in the organization, until another administrator takes it over (PATCH)', async () => {
      const { team, idp, domain, connection } = await adminsConnection();
      await request(t.http)
        .delete(`/v1/organizations/${team.organizationId}/members/${team.members.admin.userId}`)
        .set(bearer(team.owner.accessToken))
        .expect(204);
      expect(await signIn(idp, connection, `backdoor@${domain}`)).toEqual({
        status: 403,
        reason: 'connection_owner_gone',
        session: undefined,
      });
      expect(await usersWithEmail(`backdoor@${domain}`)).toBe(0);

      const taken = await request(t.http)
        .patch(`/v1/sso/connections/${connection.id}`)
        .set(team.inOrg(team.owner))
        .send({})
        .expect(200);
      expect(taken.body.created_by).toBe(`user:${team.owner.userId}`);
      expect(await signIn(idp, connection, `welcome@${domain}`)).toMatchObject({ status: 200 });
    });

    it('stops when its creator is demoted below sso.write', async () => {
      const { team, idp, domain, connection } = await adminsConnection();
      await request(t.http)
        .patch(`/v1/organizations/${team.organizationId}/members/${team.members.admin.userId}`)
        .set(bearer(team.owner.accessToken))
        .send({ role: 'member' })
        .expect(200);
      expect(await signIn(idp, connection, `later@${domain}`)).toMatchObject({
        status: 403,
        reason: 'connection_owner_gone',
      });
    });
  });
});

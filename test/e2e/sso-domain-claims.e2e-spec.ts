import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../../src/modules/audit/audit-writer';
import { createTestApp, TestApp } from '../utils/create-app';
import { TestDnsServer } from '../utils/dns-server';
import { bearer, createUser, TestUser } from '../utils/factories';
import { PageClient } from '../utils/pages';
import { readAuthnRequest, SamlTestIdp } from '../utils/saml-test-idp';
import {
  createConnection,
  postToAcs,
  startLogin,
  TestConnection,
  uniqueDomain,
} from '../utils/sso';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';

type Headers = Record<string, string>;

interface DomainClaim {
  domain: string;
  verified: boolean;
  verification: { name: string; value: string };
}

type Connection = TestConnection & { domains: string[]; domain_claims: DomainClaim[] };

/**
 * Who owns an email domain: only a verified claim is exclusive. A claim anyone can make (no
 * proof yet) neither keeps the real owner from claiming the domain (squatting) nor routes the
 * domain's people to the claimant's IdP (home-realm discovery): until a DNS TXT record or the
 * operator verifies a claim, several connections of any organizations may hold the domain,
 * and discovery answers as for a domain nobody claimed. The first verification wins; the other
 * claims go, audited in their organizations.
 */
describe('SAML SSO: pending domain claims are not exclusive; a verified one is', () => {
  let t: TestApp;
  const dns = new TestDnsServer();

  beforeAll(async () => {
    const server = await dns.start();
    t = await createTestApp({ SSO_DNS_SERVERS: server });
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
    await dns.stop();
  });

  /** A user with an organization of their own, and their headers acting in it. */
  async function tenant(label: string): Promise<{ user: TestUser; headers: Headers }> {
    const user = await createUser(t, label);
    return {
      user,
      headers: { ...bearer(user.accessToken), 'X-Organization-ID': user.organizationId },
    };
  }
  const asOperator = (organizationId: string): Headers => ({
    ...bearer(TEST_ADMIN_TOKEN),
    'X-Organization-ID': organizationId,
  });
  const connect = async (headers: Headers, idp: SamlTestIdp, domains: string[]) =>
    (await createConnection(t, headers, idp, { domains })) as Connection;
  const verify = (headers: Headers, id: string, domain: string, body = {}) =>
    request(t.http)
      .post(`/v1/sso/connections/${id}/domains/${domain}/verify`)
      .set(headers)
      .send(body);
  const read = async (headers: Headers, id: string) =>
    (await request(t.http).get(`/v1/sso/connections/${id}`).set(headers).expect(200))
      .body as Connection;
  /** What GET /sso/login?email= answers: the status and where it sends the browser, or its page. */
  async function discovery(email: string) {
    const answer = await request(t.http).get(`/sso/login?email=${encodeURIComponent(email)}`);
    return {
      status: answer.status,
      acs: answer.status === 302 ? readAuthnRequest(answer.headers.location as string).xml : null,
      // The page as it would be for any email: the address typed and the form's CSRF token aside.
      page: answer.text
        ?.split(email)
        .join('EMAIL')
        .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""'),
    };
  }
  const acsOf = (xml: string | null) =>
    /AssertionConsumerServiceURL="([^"]+)"/.exec(xml ?? '')?.[1];

  /** A sign-in of `email` through the connection: the status and the refusal's code. */
  async function signIn(idp: SamlTestIdp, connection: TestConnection, email: string) {
    const browser = new PageClient(t);
    const login = await startLogin(browser, connection.id);
    const answer = await postToAcs(
      browser,
      connection.id,
      idp.responseXml({
        destination: connection.acs_url,
        audience: connection.sp_entity_id,
        inResponseTo: login.requestId,
        nameId: email,
      }),
    );
    return { status: answer.status, reason: /<code>([a-z_]+)<\/code>/.exec(answer.text)?.[1] };
  }

  async function auditEvents(headers: Headers, action: string, targetId: string) {
    await t.app.get(AuditWriter).drain();
    const events = await request(t.http)
      .get(`/v1/audit-logs?action=${action}&target_id=${targetId}`)
      .set(headers)
      .expect(200);
    return events.body.data as { actor: { type: string }; metadata: Record<string, unknown> }[];
  }

  it('lets two organizations claim the same domain pending, and routes no one by a pending claim', async () => {
    const domain = uniqueDomain('bigcorp');
    const a = await tenant('squatter');
    const b = await tenant('bigcorp');
    const first = await connect(a.headers, new SamlTestIdp(), [domain]);
    const second = await connect(b.headers, new SamlTestIdp(), [domain]);
    expect(first.domain_claims).toMatchObject([{ domain, verified: false }]);
    expect(second.domain_claims).toMatchObject([{ domain, verified: false }]);
    // Each claim has a token of its own: one organization's TXT record proves nothing for another.
    expect(second.domain_claims[0].verification.value).not.toBe(
      first.domain_claims[0].verification.value,
    );

    // Discovery answers exactly as for a domain nobody claimed.
    const pending = await discovery(`ceo@${domain}`);
    const unknown = await discovery(`ceo@${uniqueDomain('nobody')}`);
    expect(pending.status).toBe(404);
    expect(pending).toEqual(unknown);
    expect(pending.page).toContain('No single sign-on is set up for this email address.');
    // And so does the login page's form.
    const browser = new PageClient(t);
    await browser.get('/sso/login', 200);
    const form = await browser.post('/sso/login', { email: `ceo@${domain}` });
    expect(form.status).toBe(404);
    expect(form.text).not.toContain(first.id);
    expect(form.text).not.toContain(second.id);
  });

  it('makes the first verified claim exclusive: discovery routes by it, the other claims go and cannot come back', async () => {
    const domain = uniqueDomain('bigcorp');
    const a = await tenant('owner-of-domain');
    const b = await tenant('squatter');
    const idpA = new SamlTestIdp();
    const idpB = new SamlTestIdp();
    const mine = await connect(a.headers, idpA, [domain]);
    const other = await connect(b.headers, idpB, [domain, uniqueDomain('kept')]);
    const kept = other.domains[1];

    await verify(asOperator(a.user.organizationId), mine.id, domain, {
      method: 'operator',
    }).expect(200);

    const routed = await discovery(`ceo@${domain}`);
    expect(routed.status).toBe(302);
    expect(acsOf(routed.acs)).toBe(mine.acs_url);

    // B's pending claim is gone, from its domains as from its claims; its other domain stays.
    const after = await read(b.headers, other.id);
    expect(after.domains).toEqual([kept]);
    expect(after.domain_claims.map((c) => c.domain)).toEqual([kept]);
    const removed = await auditEvents(b.headers, 'sso_connection.domain_claim_removed', other.id);
    expect(removed).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ type: 'system' }),
        metadata: { domain, reason: 'verified_elsewhere' },
      }),
    ]);
    // Nothing in A's audit chain names B, nor in B's names A.
    expect(JSON.stringify(removed)).not.toContain(mine.id);
    expect(JSON.stringify(removed)).not.toContain(a.user.organizationId);

    // B can neither claim it again (the contract's 409 for a taken domain) nor verify it.
    const claimed = await request(t.http)
      .post('/v1/sso/connections')
      .set(b.headers)
      .send({
        name: 'again',
        provider: 'okta',
        idp_metadata_xml: idpB.metadataXml(),
        domains: [domain],
      })
      .expect(409);
    expect(claimed.body).toEqual({
      detail: `Domain already claimed by another SSO connection: ${domain}`,
      code: 'domain_claimed',
    });
    const patched = await request(t.http)
      .patch(`/v1/sso/connections/${other.id}`)
      .set(b.headers)
      .send({ domains: [kept, domain] })
      .expect(409);
    expect(patched.body.code).toBe('domain_claimed');
    await verify(asOperator(b.user.organizationId), other.id, domain, {
      method: 'operator',
    }).expect(404);
    // B's connection signs in nobody of the domain any more.
    expect(await signIn(idpB, other, `newcomer@${domain}`)).toEqual({
      status: 403,
      reason: 'email_outside_domains',
    });
    // A keeps its claim through a PATCH that keeps the domain, and verifying again is harmless.
    await verify(asOperator(a.user.organizationId), mine.id, domain, {
      method: 'operator',
    }).expect(200);
    expect((await read(a.headers, mine.id)).domain_claims).toMatchObject([
      { domain, verified: true },
    ]);
  });

  it('verifies by DNS TXT record with the claim’s own token; a pending claim of the same organization goes too', async () => {
    const domain = uniqueDomain('dnsowned');
    const a = await tenant('dns-owner');
    const idp = new SamlTestIdp();
    const mine = await connect(a.headers, idp, [domain]);
    const spare = await connect(a.headers, new SamlTestIdp(), [domain, uniqueDomain('spare')]);
    const b = await tenant('dns-squatter');
    const theirs = await connect(b.headers, new SamlTestIdp(), [domain]);

    // B publishes nothing A's claim can use, and A's record proves nothing for B.
    const { name, value } = mine.domain_claims[0].verification;
    dns.records.set(name, [value]);
    const refused = await verify(b.headers, theirs.id, domain).expect(409);
    expect(refused.body.code).toBe('domain_not_verified');

    await verify(a.headers, mine.id, domain).expect(200);
    expect((await discovery(`it@${domain}`)).status).toBe(302);
    expect((await read(a.headers, spare.id)).domains).toEqual([spare.domains[1]]);
    expect((await read(b.headers, theirs.id)).domains).toEqual([]);
    expect(
      await auditEvents(a.headers, 'sso_connection.domain_claim_removed', spare.id),
    ).toHaveLength(1);
  });

  it('stops a connection whose pending claim outlived another’s verification (a race) from signing anyone in, or verifying', async () => {
    const domain = uniqueDomain('raced');
    const a = await tenant('race-winner');
    const b = await tenant('race-loser');
    const idpB = new SamlTestIdp();
    const mine = await connect(a.headers, new SamlTestIdp(), [domain]);
    const late = await connect(b.headers, idpB, [uniqueDomain('late')]);
    // B had provisioned someone while its claim was pending.
    const early = await connect(b.headers, idpB, [domain]);
    expect(await signIn(idpB, early, `early@${domain}`)).toEqual({
      status: 200,
      reason: undefined,
    });
    await verify(asOperator(a.user.organizationId), mine.id, domain, {
      method: 'operator',
    }).expect(200);
    expect(await signIn(idpB, early, `early@${domain}`)).toMatchObject({ status: 403 });

    // A claim written as the verification committed, past the check that would have refused it.
    const db = t.app.get(DataSource);
    await db.query(
      'INSERT INTO sso_connection_domains (domain, connection_id, organization_id, verification_token) VALUES (?, ?, ?, ?)',
      [domain, late.id, b.user.organizationId, 'x'.repeat(32)],
    );
    await db.query('UPDATE sso_connections SET domains = ? WHERE id = ?', [
      JSON.stringify([...(late.domains as string[]), domain]),
      late.id,
    ]);
    expect(await signIn(idpB, late, `brandnew@${domain}`)).toEqual({
      status: 403,
      reason: 'domain_verified_elsewhere',
    });
    expect(await signIn(idpB, late, `early@${domain}`)).toEqual({
      status: 403,
      reason: 'domain_verified_elsewhere',
    });
    const refused = await verify(asOperator(b.user.organizationId), late.id, domain, {
      method: 'operator',
    }).expect(409);
    expect(refused.body).toEqual({
      detail: `Domain already claimed by another SSO connection: ${domain}`,
      code: 'domain_claimed',
    });
    expect(acsOf((await discovery(`x@${domain}`)).acs)).toBe(mine.acs_url);
    // Under both, the database itself holds one verified claim per domain.
    await expect(
      db.query(
        'UPDATE sso_connection_domains SET verified_domain = domain WHERE connection_id = ?',
        [late.id],
      ),
    ).rejects.toThrow(/unique|duplicate/i);
  });

  it('keeps another connection’s claim when a connection drops the same domain', async () => {
    const domain = uniqueDomain('shared');
    const a = await tenant('dropper');
    const b = await tenant('keeper');
    const dropper = await connect(a.headers, new SamlTestIdp(), [domain, uniqueDomain('x')]);
    const keeper = await connect(b.headers, new SamlTestIdp(), [domain]);
    await request(t.http)
      .patch(`/v1/sso/connections/${dropper.id}`)
      .set(a.headers)
      .send({ domains: [dropper.domains[1]] })
      .expect(200);
    expect((await read(b.headers, keeper.id)).domain_claims).toMatchObject([{ domain }]);
    await request(t.http).delete(`/v1/sso/connections/${keeper.id}`).set(b.headers).expect(204);
    await verify(asOperator(a.user.organizationId), dropper.id, domain, {
      method: 'operator',
    }).expect(404);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { DynamicModule } from '@nestjs/common';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { SsoConnectionsRepository } from '../../src/modules/sso/connections/sso-connections.repository';
import { MetadataRefresh } from '../../src/modules/sso/metadata/metadata-refresh';
import { METADATA_FETCH_OPTIONS } from '../../src/modules/sso/metadata/metadata-url-fetcher';
import { createTestApp, TestApp, withTestApp } from '../utils/create-app';
import { asKey, createApiKey } from '../utils/api-keys';
import { bearer, createUser } from '../utils/factories';
import { TEST_ADMIN_TOKEN } from '../utils/test-env';
import { PageClient } from '../utils/pages';
import { readAuthnRequest, SamlTestIdp } from '../utils/saml-test-idp';
import {
  connectionBody,
  createConnection,
  postToAcs,
  startLogin,
  uniqueDomain,
  verifyDomainAsOperator,
} from '../utils/sso';
import { createTeam, Team } from '../utils/teams';

type Headers = Record<string, string>;
const CONNECTION_ID = /^sso_[0-9a-f]{32}$/;

describe('SSO connections (/v1/sso/connections)', () => {
  let t: TestApp;
  let team: Team;
  let owner: Headers;
  let idp: SamlTestIdp;
  beforeAll(async () => {
    t = await createTestApp();
    team = await createTeam(t);
    owner = team.inOrg(team.owner);
    idp = new SamlTestIdp();
  });
  afterAll(async () => {
    expect(t.logs.serverErrors()).toEqual([]);
    await t.close();
  });

  const create = (headers: Headers, body: Record<string, unknown>) =>
    request(t.http).post('/v1/sso/connections').set(headers).send(body);

  it('is made from IdP metadata XML: entity ID, the HTTP-Redirect SSO URL, every signing certificate', async () => {
    const second = new SamlTestIdp();
    const domain = uniqueDomain();
    const created = await create(owner, {
      name: 'Corp Okta',
      provider: 'okta',
      idp_metadata_xml: idp.metadataXml([idp.certificatePem, second.certificatePem]),
      domains: [domain.toUpperCase()],
    }).expect(201);
    const id: string = created.body.id;
    expect(id).toMatch(CONNECTION_ID);
    expect(created.body).toMatchObject({
      name: 'Corp Okta',
      provider: 'okta',
      organization_id: team.organizationId,
      sp_entity_id: `http://tessera.test/sso/${id}/metadata`,
      acs_url: `http://tessera.test/sso/${id}/acs`,
      sp_metadata_url: `http://tessera.test/sso/${id}/metadata`,
      idp_entity_id: idp.entityId,
      idp_sso_url: idp.ssoUrl,
      domains: [domain],
      default_role: 'member',
      allow_idp_initiated: false,
      update_role_on_login: false,
      sign_authn_requests: false,
      attribute_mapping: {
        email: 'email',
        first_name: 'firstName',
        last_name: 'lastName',
        groups: 'groups',
      },
    });
    expect(created.body.idp_certificates).toHaveLength(2);
    const fetched = await request(t.http).get(`/v1/sso/connections/${id}`).set(owner).expect(200);
    expect(fetched.body).toEqual(created.body);
  });

  it('fills in each provider preset’s attribute names; Azure AD’s are its claim URIs', async () => {
    const azure = await createConnection(t, owner, new SamlTestIdp(), {
      provider: 'azure_ad',
      domains: [uniqueDomain('azure')],
      attribute_mapping: { first_name: 'given' },
    });
    expect(azure.attribute_mapping).toEqual({
      email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
      first_name: 'given',
      last_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
      full_name: 'http://schemas.microsoft.com/identity/claims/displayname',
      groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
    });
    for (const provider of ['google_workspace', 'onelogin', 'ping_identity', 'custom_saml']) {
      const made = await createConnection(t, owner, new SamlTestIdp(), {
        provider,
        domains: [uniqueDomain(provider.replace('_', '-'))],
      });
      expect(made.provider).toBe(provider);
      expect(typeof made.attribute_mapping).toBe('object');
    }
  });

  it('signs Azure AD users in by its claim URIs, with the spn: audience, groups mapped to a role', async () => {
    const azureIdp = new SamlTestIdp();
    const domain = uniqueDomain('entra');
    const azure = await createConnection(t, owner, azureIdp, {
      provider: 'azure_ad',
      domains: [domain],
      group_role_mapping: { '5f1c-admins': 'admin' },
    });
    const browser = new PageClient(t);
    const login = await startLogin(browser, azure.id);
    const address = `grace@${domain}`;
    const answer = await postToAcs(
      browser,
      azure.id,
      azureIdp.responseXml({
        destination: azure.acs_url,
        audience: `spn:${azure.sp_entity_id}`,
        inResponseTo: login.requestId,
        nameId: 'opaque-object-id',
        attributes: {
          'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': address,
          'http://schemas.microsoft.com/identity/claims/displayname': 'Grace Hopper',
          'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['5f1c-admins'],
        },
      }),
    );
    expect(answer.status).toBe(200);
    const members = await request(t.http)
      .get(`/v1/organizations/${team.organizationId}/members?limit=100`)
      .set(bearer(team.owner.accessToken))
      .expect(200);
    expect(members.body.data).toContainEqual(
      expect.objectContaining({ email: address, role: 'admin', full_name: 'Grace Hopper' }),
    );
  });

  it('audits every group a mapping grants a role, whatever its name', async () => {
    // Group names an administrator chooses; some look like the secret fields the log drops.
    const mapping = {
      'Private-Cloud-Admins': 'admin',
      'KeyPass-Users': 'admin',
      Engineering: 'member',
    };
    const made = await createConnection(t, owner, new SamlTestIdp(), {
      domains: [uniqueDomain('audited')],
      group_role_mapping: mapping,
    });
    const events = await request(t.http)
      .get('/v1/audit-logs?action=sso_connection.created&limit=100')
      .set(owner)
      .expect(200);
    const created = events.body.data.find(
      (event: { target: { id: string } }) => event.target.id === made.id,
    );
    expect(created.metadata.group_role_mapping).toEqual(
      Object.entries(mapping).map(([group, role]) => ({ group, role })),
    );
  });

  it('refuses consumer mail domains (422 at the entry) and a domain another connection verified (409)', async () => {
    const consumer = await create(owner, {
      name: 'x',
      provider: 'custom_saml',
      idp_metadata_xml: idp.metadataXml(),
      domains: [uniqueDomain(), 'Gmail.com', 'outlook.com'],
    }).expect(422);
    expect(consumer.body.detail.map((issue: { loc: unknown[] }) => issue.loc)).toEqual([
      ['body', 'domains', 1],
      ['body', 'domains', 2],
    ]);

    const domain = uniqueDomain();
    const mine = await createConnection(t, owner, idp, { domains: [domain] });
    const otherOrg = await createUser(t, 'sso-other-org');
    // Pending, a claim is no one's alone (see sso-domain-claims.e2e-spec.ts); verified, it is.
    await verifyDomainAsOperator(t, mine, domain);
    const claimed = await create(bearer(otherOrg.accessToken), {
      name: 'mine too',
      provider: 'okta',
      idp_metadata_xml: new SamlTestIdp().metadataXml(),
      domains: [uniqueDomain(), domain],
    }).expect(409);
    expect(claimed.body).toEqual({
      detail: `Domain already claimed by another SSO connection: ${domain}`,
      code: 'domain_claimed',
    });
    // Nor within the organization, by a second connection.
    await create(owner, {
      name: 'again',
      provider: 'okta',
      idp_metadata_xml: idp.metadataXml(),
      domains: [domain],
    }).expect(409);
  });

  it('answers 422 naming what is wrong with the IdP settings', async () => {
    const base = { name: 'x', provider: 'okta', domains: [uniqueDomain()] };
    const locOf = async (body: Record<string, unknown>) =>
      (await create(owner, { ...base, ...body }).expect(422)).body.detail[0].loc;
    expect(await locOf({})).toEqual(['body']);
    expect(await locOf({ idp_metadata_xml: idp.metadataXml(), idp_entity_id: 'x' })).toEqual([
      'body',
    ]);
    expect(await locOf({ idp_entity_id: 'x', idp_sso_url: 'https://idp.test/sso' })).toEqual([
      'body',
    ]);
    expect(await locOf({ idp_metadata_xml: '<not-xml' })).toEqual(['body', 'idp_metadata_xml']);
    expect(
      await locOf({
        idp_metadata_xml:
          '<!DOCTYPE x [<!ENTITY a "b">]>' + idp.metadataXml().replace(/^<\?xml[^>]*\?>/, ''),
      }),
    ).toEqual(['body', 'idp_metadata_xml']);
    // An entity ID longer than its column is refused, never cut (it would match no response).
    const tooLong = `https://idp.test/${'𝒜'.repeat(1008)}`;
    const longEntity = idp
      .metadataXml()
      .replace(`entityID="${idp.entityId}"`, `entityID="${tooLong}"`);
    const refused = await create(owner, { ...base, idp_metadata_xml: longEntity }).expect(422);
    expect(refused.body.detail[0]).toEqual(
      expect.objectContaining({
        loc: ['body', 'idp_metadata_xml'],
        msg: 'the entityID is longer than 1024 characters',
      }),
    );
    expect(
      await locOf({
        idp_entity_id: 'x',
        idp_sso_url: 'https://idp.test/sso',
        idp_certificate: 'nope',
      }),
    ).toEqual(['body', 'idp_certificate']);
    expect(
      await locOf({
        idp_entity_id: 'x',
        idp_sso_url: 'http://idp.test/sso',
        idp_certificate: idp.certificatePem,
      }),
    ).toEqual(['body', 'idp_sso_url']);
    expect(await locOf({ idp_metadata_xml: idp.metadataXml(), default_role: 'owner' })).toEqual([
      'body',
      'default_role',
    ]);
    expect(
      await locOf({ idp_metadata_xml: idp.metadataXml(), group_role_mapping: { admins: 'owner' } }),
    ).toEqual(['body', 'group_role_mapping', 'admins']);
    expect(
      await locOf({ idp_metadata_xml: idp.metadataXml(), attribute_mapping: { shoe_size: 'x' } }),
    ).toEqual(['body', 'attribute_mapping', 'shoe_size']);
    expect(await locOf({ idp_metadata_xml: idp.metadataXml(), domains: ['not a domain'] })).toEqual(
      ['body', 'domains', 0],
    );
  });

  it('is another organization’s 404 on every route, and left out of its list', async () => {
    const mine = await createConnection(t, owner, idp, { domains: [uniqueDomain()] });
    const other = await createUser(t, 'sso-tenant');
    const theirs = bearer(other.accessToken);
    await request(t.http).get(`/v1/sso/connections/${mine.id}`).set(theirs).expect(404);
    await request(t.http)
      .patch(`/v1/sso/connections/${mine.id}`)
      .set(theirs)
      .send({ name: 'taken' })
      .expect(404);
    await request(t.http).delete(`/v1/sso/connections/${mine.id}`).set(theirs).expect(404);
    const list = await request(t.http).get('/v1/sso/connections').set(theirs).expect(200);
    expect(list.body).toEqual({ data: [], has_more: false });
    const ours = await request(t.http).get('/v1/sso/connections?limit=100').set(owner).expect(200);
    expect(ours.body.data.map((c: { id: string }) => c.id)).toContain(mine.id);
    await request(t.http).get(`/v1/sso/connections/${mine.id}`).set(owner).expect(200);
  });

  it('lets only owners and admins read and change (sso.read / sso.write)', async () => {
    const mine = await createConnection(t, owner, idp, { domains: [uniqueDomain()] });
    const member = team.inOrg(team.members.member);
    const unread = await request(t.http)
      .get(`/v1/sso/connections/${mine.id}`)
      .set(member)
      .expect(403);
    expect(unread.body.detail).toBe('Missing permission: sso.read');
    await request(t.http)
      .get(`/v1/sso/connections/${mine.id}`)
      .set(team.inOrg(team.members.admin))
      .expect(200);
    const refused = await request(t.http)
      .patch(`/v1/sso/connections/${mine.id}`)
      .set(member)
      .send({ name: 'x' })
      .expect(403);
    expect(refused.body.detail).toBe('Missing permission: sso.write');
    await request(t.http)
      .patch(`/v1/sso/connections/${mine.id}`)
      .set(team.inOrg(team.members.admin))
      .send({ name: 'renamed' })
      .expect(200);
  });

  it('answers to a person: the operator’s token may own one, the operator’s API key (an administrator with nobody behind it) may not', async () => {
    const operator = { ...bearer(TEST_ADMIN_TOKEN), 'X-Organization-ID': team.organizationId };
    const byOperator = await createConnection(t, operator, idp, { domains: [uniqueDomain()] });
    expect(byOperator.created_by).toBe('instance_admin');
    const operatorKey = await createApiKey(t, operator, { name: 'ops', scopes: ['sso:write'] });
    const refused = await create(asKey(operatorKey.key), {
      ...connectionBody(idp),
      domains: [uniqueDomain()],
    }).expect(403);
    expect(refused.body.code).toBe('sso_connection_needs_a_person');
    const taken = await request(t.http)
      .patch(`/v1/sso/connections/${byOperator.id}`)
      .set(asKey(operatorKey.key))
      .send({})
      .expect(403);
    expect(taken.body.code).toBe('sso_connection_needs_a_person');
  });

  it('changes with PATCH and frees its domains when deleted', async () => {
    const first = uniqueDomain();
    const second = uniqueDomain();
    const mine = await createConnection(t, owner, idp, { domains: [first] });
    const patched = await request(t.http)
      .patch(`/v1/sso/connections/${mine.id}`)
      .set(owner)
      .send({ domains: [second], allow_idp_initiated: true, default_role: 'viewer' })
      .expect(200);
    expect(patched.body).toMatchObject({
      domains: [second],
      allow_idp_initiated: true,
      default_role: 'viewer',
    });
    // The first domain is free again; the second, once verified, is taken.
    await createConnection(t, owner, new SamlTestIdp(), { domains: [first] });
    await verifyDomainAsOperator(t, mine, second);
    await create(owner, {
      name: 'x',
      provider: 'okta',
      idp_metadata_xml: idp.metadataXml(),
      domains: [second],
    }).expect(409);
    await request(t.http).delete(`/v1/sso/connections/${mine.id}`).set(owner).expect(204);
    await request(t.http).get(`/v1/sso/connections/${mine.id}`).set(owner).expect(404);
    await createConnection(t, owner, new SamlTestIdp(), { domains: [second] });
  });

  it('serves SP metadata: entity ID, the HTTP-POST ACS, the NameID format, WantAssertionsSigned', async () => {
    const mine = await createConnection(t, owner, idp, { domains: [uniqueDomain()] });
    const metadata = await request(t.http).get(`/sso/${mine.id}/metadata`).expect(200);
    expect(metadata.headers['content-type']).toMatch(/^application\/samlmetadata\+xml/);
    const xml = metadata.text;
    expect(xml).toContain(`entityID="${mine.sp_entity_id}"`);
    expect(xml).toContain('WantAssertionsSigned="true"');
    expect(xml).toContain('AuthnRequestsSigned="false"');
    expect(xml).toMatch(
      new RegExp(
        `<AssertionConsumerService index="1" isDefault="true" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${mine.acs_url}"/>`,
      ),
    );
    expect(xml).toContain(
      '<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>',
    );
    expect(xml).not.toContain('KeyDescriptor');
    await request(t.http).get('/sso/sso_0123456789abcdef0123456789abcdef/metadata').expect(404);
  });

  it('signs AuthnRequests when asked, with a key of its own whose certificate the SP metadata carries', async () => {
    const mine = await createConnection(t, owner, idp, {
      domains: [uniqueDomain()],
      sign_authn_requests: true,
    });
    expect(mine.sign_authn_requests).toBe(true);
    expect(JSON.stringify(mine)).not.toMatch(/PRIVATE KEY/);
    const xml = (await request(t.http).get(`/sso/${mine.id}/metadata`).expect(200)).text;
    expect(xml).toContain('AuthnRequestsSigned="true"');
    expect(xml).toMatch(
      /<KeyDescriptor use="signing">[\s\S]*<ds:X509Certificate>[A-Za-z0-9+/=\s]+<\/ds:X509Certificate>/,
    );
    const login = await request(t.http).get(`/sso/${mine.id}/login`).expect(302);
    const location = new URL(login.headers.location as string);
    expect(location.searchParams.get('SigAlg')).toBe(
      'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    );
    expect(location.searchParams.get('Signature')).toMatch(/^[A-Za-z0-9+/=]{300,}$/);
  });

  it('finds the connection by email domain (GET /sso/login?email=) and from the hosted page’s form', async () => {
    const domain = uniqueDomain();
    const mine = await createConnection(t, owner, idp, { domains: [domain] });
    // Only a verified claim routes: a pending one is anyone's to make.
    await request(t.http).get(`/sso/login?email=ada@${domain}`).expect(404);
    await verifyDomainAsOperator(t, mine, domain);
    const found = await request(t.http)
      .get(`/sso/login?email=${encodeURIComponent(`Ada@${domain.toUpperCase()}`)}`)
      .expect(302);
    expect(found.headers.location).toMatch(
      new RegExp(`^${idp.ssoUrl.replace(/[.?]/g, '\\$&')}\\?SAMLRequest=`),
    );
    expect(readAuthnRequest(found.headers.location as string).xml).toContain(
      `AssertionConsumerServiceURL="${mine.acs_url}"`,
    );
    const unknown = await request(t.http).get(`/sso/login?email=ada@${uniqueDomain()}`).expect(404);
    expect(unknown.text).toContain('No single sign-on is set up for this email address.');
    const form = await request(t.http).get('/sso/login').expect(200);
    expect(form.text).toContain('<form class="form" method="post" action="/sso/login">');

    const browser = new PageClient(t);
    await browser.get('/oauth/login?return_to=%2Foauth%2Fauthorize%3Fclient_id%3Dc', 200);
    const page = await browser.post(
      '/sso/login',
      {
        email: `ada@${domain}`,
        return_to: '/oauth/authorize?client_id=c',
      },
      200,
    );
    const next = `/sso/${mine.id}/login?return_to=${encodeURIComponent('/oauth/authorize?client_id=c')}`;
    expect(page.text).toContain(
      `<meta http-equiv="refresh" content="0;url=${next.replace(/&/g, '&amp;')}">`,
    );
  });
});

/** The test server's self-signed certificate trusted by the metadata fetcher, as a CA would be. */
function trustingFetcher(certificatePem: string): DynamicModule {
  return {
    module: class TrustingMetadataFetcher {},
    global: true,
    providers: [{ provide: METADATA_FETCH_OPTIONS, useValue: { trustedCa: certificatePem } }],
    exports: [METADATA_FETCH_OPTIONS],
  };
}

describe('SSO connections from a metadata URL', () => {
  let server: Server;
  let metadataUrl: string;
  let published: string;
  let certificatePem: string;

  beforeAll(async () => {
    // A TLS certificate for 127.0.0.1 (an IP subjectAltName): openssl, which is on the machine.
    const dir = mkdtempSync(join(tmpdir(), 'tessera-sso-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    certificatePem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: certificatePem },
      (_req, res) => res.writeHead(200, { 'content-type': 'application/xml' }).end(published),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    metadataUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is refused for a loopback address unless SSO_METADATA_ALLOW_PRIVATE_ADDRESSES is set', async () => {
    const idp = new SamlTestIdp();
    published = idp.metadataXml();
    await withTestApp({}, async (t) => {
      const team = await createTeam(t);
      const refused = await request(t.http)
        .post('/v1/sso/connections')
        .set(team.inOrg(team.owner))
        .send({
          name: 'x',
          provider: 'okta',
          idp_metadata_url: metadataUrl,
          domains: [uniqueDomain()],
        })
        .expect(422);
      expect(refused.body.detail[0]).toMatchObject({
        loc: ['body', 'idp_metadata_url'],
        msg: expect.stringMatching(/is a loopback address; only public addresses are allowed$/),
      });
      const http = await request(t.http)
        .post('/v1/sso/connections')
        .set(team.inOrg(team.owner))
        .send({
          name: 'x',
          provider: 'okta',
          idp_metadata_url: 'http://idp.example.com/m',
          domains: [uniqueDomain()],
        })
        .expect(422);
      expect(http.body.detail[0].msg).toMatch(/https/);
    });
  });

  it('is fetched, and re-fetched: a new certificate is added, the old one trusted through the overlap, then dropped', async () => {
    const idp = new SamlTestIdp();
    published = idp.metadataXml();
    await withTestApp(
      { SSO_METADATA_ALLOW_PRIVATE_ADDRESSES: 'true', SSO_METADATA_CERT_OVERLAP_DAYS: '7' },
      async (t) => {
        const team = await createTeam(t);
        const domain = uniqueDomain('rotating');
        const created = await request(t.http)
          .post('/v1/sso/connections')
          .set(team.inOrg(team.owner))
          .send({
            name: 'Rotating',
            provider: 'okta',
            idp_metadata_url: metadataUrl,
            domains: [domain],
          })
          .expect(201);
        expect(created.body).toMatchObject({
          idp_entity_id: idp.entityId,
          idp_metadata_url: metadataUrl,
        });
        expect(created.body.idp_certificates).toEqual([
          expect.objectContaining({ from_metadata: true }),
        ]);

        // The IdP rotates: the new key alone is published, and signs from now on.
        const rotated = new SamlTestIdp(idp.entityId, idp.ssoUrl);
        published = rotated.metadataXml();
        const connections = t.app.get(SsoConnectionsRepository);
        const refresh = t.app.get(MetadataRefresh);
        const row = async () => (await connections.findById(created.body.id))!;
        expect(await refresh.refresh(await row())).toEqual({ added: 1, dropped: 0 });

        const signIn = async (signer: SamlTestIdp) => {
          const browser = new PageClient(t);
          const login = await startLogin(browser, created.body.id);
          return (
            await postToAcs(
              browser,
              created.body.id,
              signer.responseXml({
                destination: created.body.acs_url,
                audience: created.body.sp_entity_id,
                inResponseTo: login.requestId,
                nameId: `user-${Math.random().toString(36).slice(2)}@${domain}`,
              }),
            )
          ).status;
        };
        expect(await signIn(rotated)).toBe(200);
        expect(await signIn(idp)).toBe(200); // within the overlap

        const eightDaysOn = new Date(Date.now() + 8 * 86_400_000);
        expect(await refresh.refresh(await row(), eightDaysOn)).toEqual({ added: 0, dropped: 1 });
        expect(await signIn(idp)).toBe(403);
        expect(await signIn(rotated)).toBe(200);

        // A failed fetch changes nothing.
        published = '<broken';
        expect(await refresh.refresh(await row())).toBeNull();
        expect(await signIn(rotated)).toBe(200);
      },
      { extraModules: [trustingFetcher(certificatePem)] },
    );
  });

  it('keeps trusting its certificates without a successful fetch (refresh off, overlap 0), and never lets a refresh undo a change or bring an http SSO URL', async () => {
    const idp = new SamlTestIdp();
    published = idp.metadataXml();
    await withTestApp(
      { SSO_METADATA_ALLOW_PRIVATE_ADDRESSES: 'true', SSO_METADATA_CERT_OVERLAP_DAYS: '0' },
      async (t) => {
        const team = await createTeam(t);
        const domain = uniqueDomain('steady');
        const created = await request(t.http)
          .post('/v1/sso/connections')
          .set(team.inOrg(team.owner))
          .send({
            name: 'Steady',
            provider: 'okta',
            idp_metadata_url: metadataUrl,
            domains: [domain],
          })
          .expect(201);
        const signIn = async (signer: SamlTestIdp) => {
          const browser = new PageClient(t);
          const login = await startLogin(browser, created.body.id);
          return (
            await postToAcs(
              browser,
              created.body.id,
              signer.responseXml({
                destination: created.body.acs_url,
                audience: created.body.sp_entity_id,
                inResponseTo: login.requestId,
                nameId: `user-${Math.random().toString(36).slice(2)}@${domain}`,
              }),
            )
          ).status;
        };
        // Overlap 0 and no refresh since: the certificate the fetch published is trusted.
        expect(await signIn(idp)).toBe(200);

        const connections = t.app.get(SsoConnectionsRepository);
        const refresh = t.app.get(MetadataRefresh);
        const row = async () => (await connections.findById(created.body.id))!;
        // Long after, the URL down: nothing changes, the certificate still works.
        published = '<broken';
        const monthOn = new Date(Date.now() + 30 * 86_400_000);
        expect(await refresh.refresh(await row(), monthOn)).toBeNull();
        expect(await signIn(idp)).toBe(200);

        // Metadata naming an http SSO URL elsewhere than loopback is not taken.
        published = idp.metadataXml().replaceAll(idp.ssoUrl, 'http://idp.example.net/sso');
        expect(await refresh.refresh(await row())).toBeNull();
        expect((await row()).idpSsoUrl).toBe(idp.ssoUrl);

        // An administrator replaces the certificate while a refresh is fetching the old one.
        const stale = await row();
        const replacement = new SamlTestIdp(idp.entityId, idp.ssoUrl);
        await request(t.http)
          .patch(`/v1/sso/connections/${created.body.id}`)
          .set(team.inOrg(team.owner))
          .send({ idp_metadata_xml: replacement.metadataXml() })
          .expect(200);
        published = idp.metadataXml();
        expect(await refresh.refresh(stale)).toBeNull();
        expect(await signIn(replacement)).toBe(200);
        expect(await signIn(idp)).toBe(403);
      },
      { extraModules: [trustingFetcher(certificatePem)] },
    );
  });
});

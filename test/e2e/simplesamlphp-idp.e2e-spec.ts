import { SAML, SamlConfig, ValidateInResponseTo } from '@node-saml/node-saml';
import { DOMParser, Element } from '@xmldom/xmldom';
import { existsSync } from 'node:fs';
import { selfSignedCertificate } from '../utils/self-signed-certificate';
import {
  describeWithSimpleSamlPhp,
  signInAtIdp,
  SimpleSamlPhpIdp,
  startSimpleSamlPhpIdp,
} from '../utils/simplesamlphp-idp';

/**
 * The real-IdP harness, proved with @node-saml/node-saml as the service provider: Debian's
 * SimpleSAMLphp signs users in over HTTP and its signed responses validate against the
 * certificate the test made for it, with the users' email and groups in the assertion.
 */

const SAML_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const XMLDSIG = 'http://www.w3.org/2000/09/xmldsig#';

const USERS = [
  {
    username: 'ada',
    password: 'correct horse 1',
    email: 'ada@acme.test',
    groups: ['engineering', 'admins'],
  },
  {
    username: 'grace',
    password: "it's 'quoted' \\ too",
    email: 'grace@acme.test',
    groups: ['sales'],
  },
];
// Never contacted: the IdP only names it as the form's action, the test posts nowhere.
const SP_ENTITY_ID = 'https://sp.tessera.test/sso/conn_1/metadata';
const ACS_URL = 'http://127.0.0.1:9/sso/conn_1/acs';

function serviceProvider(idp: SimpleSamlPhpIdp, overrides: Partial<SamlConfig> = {}): SAML {
  return new SAML({
    entryPoint: idp.ssoUrl,
    issuer: SP_ENTITY_ID,
    callbackUrl: ACS_URL,
    audience: SP_ENTITY_ID,
    idpCert: idp.certificatePem,
    idpIssuer: idp.entityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    // The request id must come back as InResponseTo (node-saml's in-memory request cache).
    validateInResponseTo: ValidateInResponseTo.always,
    ...overrides,
  });
}

/** Whether `element` has a ds:Signature among its own children. */
function hasOwnSignature(element: Element): boolean {
  return Array.from(element.childNodes).some(
    (node) =>
      node.nodeType === 1 && node.namespaceURI === XMLDSIG && node.localName === 'Signature',
  );
}

describeWithSimpleSamlPhp('SimpleSAMLphp as a test IdP', () => {
  let idp: SimpleSamlPhpIdp;

  beforeAll(async () => {
    idp = await startSimpleSamlPhpIdp({
      users: USERS,
      serviceProviders: [{ entityId: SP_ENTITY_ID, acsUrl: ACS_URL }],
    });
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it('serves its metadata: entity id, SSO endpoint and the certificate made for it', () => {
    expect(idp.metadataXml).toContain(`entityID="${idp.entityId}"`);
    expect(idp.metadataXml).toContain(`Location="${idp.ssoUrl}"`);
    expect(idp.metadataXml).toContain(idp.certificateBase64);
  });

  it.each(USERS)(
    'signs $username in from an SP-initiated request; node-saml validates the signed assertion',
    async (user) => {
      const sp = serviceProvider(idp);
      const relayState = `/after-login?who=${user.username}&x=1`;
      const loginUrl = await sp.getAuthorizeUrlAsync(relayState, undefined, {});
      expect(loginUrl.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);

      const form = await signInAtIdp(loginUrl, user);
      expect(form.action).toBe(ACS_URL);
      expect(form.RelayState).toBe(relayState);

      const xml = Buffer.from(form.SAMLResponse, 'base64').toString('utf8');
      const document = new DOMParser().parseFromString(xml, 'text/xml');
      const response = document.documentElement!;
      const assertions = document.getElementsByTagNameNS(SAML_ASSERTION, 'Assertion');
      expect(response.namespaceURI).toBe(SAML_PROTOCOL);
      expect(assertions.length).toBe(1);
      expect(hasOwnSignature(assertions[0])).toBe(true);
      expect(hasOwnSignature(response)).toBe(true);
      expect(response.getAttribute('Destination')).toBe(ACS_URL);

      const { profile, loggedOut } = await sp.validatePostResponseAsync({
        SAMLResponse: form.SAMLResponse,
      });
      expect(loggedOut).toBe(false);
      expect(profile?.issuer).toBe(idp.entityId);
      expect(profile?.nameID).toBe(user.email);
      expect(profile?.nameIDFormat).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
      expect(profile?.email).toBe(user.email);
      // node-saml gives a single-valued attribute as a string, several as an array.
      expect(profile?.groups).toEqual(user.groups.length === 1 ? user.groups[0] : user.groups);
    },
  );

  it('signs only the assertion when asked to, which an SP requiring assertion signatures accepts', async () => {
    const assertionOnly = await startSimpleSamlPhpIdp({
      users: USERS,
      serviceProviders: [{ entityId: SP_ENTITY_ID, acsUrl: ACS_URL }],
      signResponse: false,
    });
    try {
      const sp = serviceProvider(assertionOnly, { wantAuthnResponseSigned: false });
      const form = await signInAtIdp(await sp.getAuthorizeUrlAsync('', undefined, {}), USERS[0]);
      const document = new DOMParser().parseFromString(
        Buffer.from(form.SAMLResponse, 'base64').toString('utf8'),
        'text/xml',
      );
      expect(hasOwnSignature(document.documentElement!)).toBe(false);
      const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: form.SAMLResponse });
      expect(profile?.email).toBe(USERS[0].email);
    } finally {
      await assertionOnly.stop();
    }
  });

  it('gives responses that another certificate does not validate', async () => {
    const sp = serviceProvider(idp);
    const form = await signInAtIdp(await sp.getAuthorizeUrlAsync('', undefined, {}), USERS[0]);
    const other = selfSignedCertificate('not the IdP');
    const impostorCheck = serviceProvider(idp, {
      idpCert: other.certificatePem,
      validateInResponseTo: ValidateInResponseTo.never,
    });
    await expect(
      impostorCheck.validatePostResponseAsync({ SAMLResponse: form.SAMLResponse }),
    ).rejects.toThrow(/signature/i);
  });

  it('refuses a wrong password with its own error message', async () => {
    const sp = serviceProvider(idp);
    const loginUrl = await sp.getAuthorizeUrlAsync('', undefined, {});
    await expect(
      signInAtIdp(loginUrl, { username: 'ada', password: 'not the password' }),
    ).rejects.toThrow(/Incorrect username or password/);
  });

  it('accepts signed AuthnRequests from an SP registered later with its certificate', async () => {
    const spKey = selfSignedCertificate('sp.tessera.test');
    const entityId = 'https://sp.tessera.test/sso/conn_2/metadata';
    const acsUrl = 'http://127.0.0.1:9/sso/conn_2/acs';
    idp.registerServiceProvider({
      entityId,
      acsUrl,
      signingCertificatePem: spKey.certificatePem,
    });
    const signing = serviceProvider(idp, {
      issuer: entityId,
      audience: entityId,
      callbackUrl: acsUrl,
      privateKey: spKey.privateKeyPem,
      signatureAlgorithm: 'sha256',
    });
    const form = await signInAtIdp(await signing.getAuthorizeUrlAsync('', undefined, {}), USERS[1]);
    expect(form.action).toBe(acsUrl);
    const { profile } = await signing.validatePostResponseAsync({
      SAMLResponse: form.SAMLResponse,
    });
    expect(profile?.email).toBe(USERS[1].email);

    // The same SP unsigned: SimpleSAMLphp requires the signature it was told to expect.
    const unsigned = serviceProvider(idp, {
      issuer: entityId,
      audience: entityId,
      callbackUrl: acsUrl,
    });
    await expect(
      signInAtIdp(await unsigned.getAuthorizeUrlAsync('', undefined, {}), USERS[1]),
    ).rejects.toThrow(/no SAMLResponse/);
  });

  it('stops completely: the port closes and the generated configuration is gone', async () => {
    const short = await startSimpleSamlPhpIdp({ users: USERS });
    await expect(fetch(short.metadataUrl)).resolves.toHaveProperty('status', 200);
    await short.stop();
    await expect(fetch(short.metadataUrl)).rejects.toThrow();
    expect(existsSync(short.directory)).toBe(false);
  });
});

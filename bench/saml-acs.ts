// The ACS row's material: an organization with a SAML connection to an IdP made here, and a pool
// of fresh signed responses, each answering its own SP-initiated login (GET /sso/:id/login) so
// each carries a valid InResponseTo. SP-initiated rather than IdP-initiated: it is how people
// sign in (the login page's "Sign in with SSO"), and its ACS does more (the pending request is
// looked up and taken), so the row measures the dearer, usual path. The responses are signed
// before the rows run: xml-crypto takes a few milliseconds for each, which on the load
// generator's core would set the pace instead of the server.
import { randomBytes, randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import { makeSelfSignedKeyPair } from '../src/modules/sso/saml/self-signed-certificate';

const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
/** Distinct people the responses name: the first login of each provisions, the rest match. */
const PEOPLE = 200;
/** Logins started at once while the pool is made. */
const CONCURRENT_LOGINS = 16;
/** Responses made first, timed to size the pool. */
const FIRST_BATCH = 64;
const BATCH = 256;
/**
 * Responses per second of the row's run the pool holds, over what this process signs per
 * second: the server's check of a response is about as dear as its signing here (both are
 * xml-crypto's canonicalisation and XPath more than the RSA operation), so twice is ample.
 */
const POOL_MARGIN = 2;
/**
 * Enough requests in flight to keep the server busy (each costs it milliseconds), few enough
 * that those still queued when a slice ends cost the next row's slice little.
 */
export const SAML_ACS_CONNECTIONS = 4;
/** The server keeps 100,000 pending requests without Redis. */
const MAX_POOL = 50_000;

export interface SamlAcsPool {
  /** The connection's ACS on the instance under load. */
  url: string;
  /** The next `SAMLResponse=...` body; once the pool is spent, the first again (a replay: 403). */
  nextBody: () => string;
  /**
   * The Cookie header of the one browser that started every login: the ACS accepts an answer
   * only from the browser its login was started in (src/modules/sso/saml/browser-binding.ts).
   */
  cookie: string;
  size: number;
}

/**
 * Pending requests wait 10 minutes (AUTHN_REQUEST_TTL_MS): the pool is made just before the rows
 * run, and a run longer than that would see its last responses refused (as 403s in the row).
 */

async function json(
  url: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, body };
}

function expectOk(answer: { status: number; body: unknown }, status: number, what: string): void {
  if (answer.status !== status) {
    throw new Error(`${what} answered ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}

/**
 * Signed responses for a connection of a new tenant of the Tessera at `baseUrl`, enough for
 * `seconds` of load: the first few are timed, and the pool sized from that.
 */
export async function prepareSamlAcs(baseUrl: string, seconds: number): Promise<SamlAcsPool> {
  const email = `bench-sso-${randomUUID()}@example.com`;
  const password = `bench-${randomBytes(12).toString('base64url')}`;
  const registered = await json(`${baseUrl}/v1/auth/register`, {
    method: 'POST',
    body: { email, password, full_name: 'Bench SSO' },
  });
  expectOk(registered, 201, 'POST /v1/auth/register');
  const login = await json(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    body: { email, password },
  });
  expectOk(login, 200, 'POST /v1/auth/login');

  const idp = makeSelfSignedKeyPair('Bench IdP');
  const idpEntityId = `https://idp.bench.example/${randomBytes(4).toString('hex')}`;
  const domain = `bench-${randomBytes(5).toString('hex')}.example`;
  const created = await json(`${baseUrl}/v1/sso/connections`, {
    method: 'POST',
    token: String(login.body.access_token),
    body: {
      name: 'Bench IdP',
      provider: 'custom_saml',
      idp_entity_id: idpEntityId,
      idp_sso_url: 'https://idp.bench.example/sso',
      idp_certificate: idp.certificatePem,
      domains: [domain],
    },
  });
  expectOk(created, 201, 'POST /v1/sso/connections');
  const connection = created.body as { id: string; acs_url: string; sp_entity_id: string };

  const loginUrl = `${baseUrl}/sso/${connection.id}/login`;
  const cookie = await browserCookie(loginUrl);
  const bodies: string[] = [];
  const started = performance.now();
  let size = FIRST_BATCH;
  while (bodies.length < size) {
    const requestIds = await startLogins(loginUrl, cookie, Math.min(BATCH, size - bodies.length));
    for (const requestId of requestIds) {
      const xml = signedResponse({
        issuer: idpEntityId,
        key: idp,
        acsUrl: connection.acs_url,
        audience: connection.sp_entity_id,
        inResponseTo: requestId,
        email: `person-${bodies.length % PEOPLE}@${domain}`,
      });
      bodies.push(`SAMLResponse=${encodeURIComponent(Buffer.from(xml).toString('base64'))}`);
    }
    if (bodies.length === FIRST_BATCH) {
      const perSecond = (FIRST_BATCH * 1000) / (performance.now() - started);
      size = Math.min(MAX_POOL, Math.ceil(seconds * perSecond * POOL_MARGIN));
    }
  }
  let next = 0;
  return {
    url: `${baseUrl}/sso/${connection.id}/acs`,
    nextBody: () => bodies[next < bodies.length ? next++ : 0],
    cookie,
    size: bodies.length,
  };
}

/** The binding cookie a first login sets, as a Cookie header (the rest of that login is unused). */
async function browserCookie(loginUrl: string): Promise<string> {
  const response = await fetch(loginUrl, {
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  const cookies = response.headers.getSetCookie().map((line) => line.split(';')[0]);
  if (cookies.length === 0) throw new Error(`GET ${loginUrl} set no cookie`);
  return cookies.join('; ');
}

/** The IDs of `count` AuthnRequests, each from its own GET of the connection's login. */
async function startLogins(loginUrl: string, cookie: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const startOne = async () => {
    const response = await fetch(loginUrl, {
      redirect: 'manual',
      headers: { cookie },
      signal: AbortSignal.timeout(10_000),
    });
    const location = response.headers.get('location');
    const request = location ? new URL(location).searchParams.get('SAMLRequest') : null;
    if (response.status !== 302 || !request) {
      throw new Error(`GET ${loginUrl} answered ${response.status}, not a redirect to the IdP`);
    }
    const xml = inflateRawSync(Buffer.from(request, 'base64')).toString('utf8');
    ids.push(/\bID="([^"]+)"/.exec(xml)![1]);
  };
  while (ids.length < count) {
    const batch = Math.min(CONCURRENT_LOGINS, count - ids.length);
    await Promise.all(Array.from({ length: batch }, startOne));
  }
  return ids;
}

export interface ResponseFields {
  issuer: string;
  key: { privateKeyPem: string; certificatePem: string };
  acsUrl: string;
  audience: string;
  inResponseTo: string;
  email: string;
}

/** A Response as an IdP sends it, its assertion signed (RSA-SHA256, exclusive C14N). */
export function signedResponse(fields: ResponseFields): string {
  const now = Date.now();
  const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
  const id = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
  const assertionId = id('_a');
  const assertion =
    `<saml:Assertion xmlns:saml="${ASSERTION}" ID="${assertionId}" Version="2.0" IssueInstant="${at(0)}">` +
    `<saml:Issuer>${fields.issuer}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${fields.email}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData InResponseTo="${fields.inResponseTo}" NotOnOrAfter="${at(900)}" Recipient="${fields.acsUrl}"/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${at(-60)}" NotOnOrAfter="${at(900)}">` +
    `<saml:AudienceRestriction><saml:Audience>${fields.audience}</saml:Audience></saml:AudienceRestriction>` +
    `</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${at(0)}" SessionIndex="${assertionId}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>` +
    `</saml:AuthnStatement>` +
    `<saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>${fields.email}</saml:AttributeValue></saml:Attribute>` +
    `<saml:Attribute Name="groups"><saml:AttributeValue>staff</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>` +
    `</saml:Assertion>`;
  const signature = new SignedXml({
    privateKey: fields.key.privateKeyPem,
    publicCert: fields.key.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  const self = "/*[local-name(.)='Assertion']";
  signature.addReference({
    xpath: self,
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
  });
  signature.computeSignature(assertion, {
    location: { reference: `${self}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return (
    `<samlp:Response xmlns:samlp="${PROTOCOL}" xmlns:saml="${ASSERTION}" ID="${id('_r')}" Version="2.0" IssueInstant="${at(0)}" Destination="${fields.acsUrl}" InResponseTo="${fields.inResponseTo}">` +
    `<saml:Issuer>${fields.issuer}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    signature.getSignedXml() +
    `</samlp:Response>`
  );
}

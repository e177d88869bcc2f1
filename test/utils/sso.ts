import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { TestApp } from './create-app';
import { PageClient } from './pages';
import { bearer } from './factories';
import { readAuthnRequest, SamlTestIdp } from './saml-test-idp';
import { TEST_ADMIN_TOKEN } from './test-env';

/** A domain no other suite or run claims (domains are claimed across every organization). */
export const uniqueDomain = (label = 'corp'): string =>
  `${label}-${randomBytes(5).toString('hex')}.example`;

export interface TestConnection {
  id: string;
  sp_entity_id: string;
  acs_url: string;
  [field: string]: unknown;
}

/** The body of POST /v1/sso/connections for `idp`: a custom SAML IdP by its settings. */
export function connectionBody(idp: SamlTestIdp): Record<string, unknown> {
  return {
    name: 'Corp IdP',
    provider: 'custom_saml',
    idp_entity_id: idp.entityId,
    idp_sso_url: idp.ssoUrl,
    idp_certificate: idp.certificatePem,
  };
}

/** A connection to `idp` (entity ID, SSO URL, certificate), made by `headers`' caller. */
export async function createConnection(
  t: TestApp,
  headers: Record<string, string>,
  idp: SamlTestIdp,
  fields: Record<string, unknown>,
): Promise<TestConnection> {
  const response = await request(t.http)
    .post('/v1/sso/connections')
    .set(headers)
    .send({ ...connectionBody(idp), ...fields });
  if (response.status !== 201) {
    throw new Error(`connection not created: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body as TestConnection;
}

/**
 * The instance operator vouches for the connection's claim on `domain` (no DNS): the claim is
 * verified, so discovery by email routes by it and no other connection may claim the domain.
 */
export async function verifyDomainAsOperator(
  t: TestApp,
  connection: { id: string; organization_id?: unknown },
  domain: string,
): Promise<void> {
  await request(t.http)
    .post(`/v1/sso/connections/${connection.id}/domains/${domain}/verify`)
    .set({ ...bearer(TEST_ADMIN_TOKEN), 'X-Organization-ID': String(connection.organization_id) })
    .send({ method: 'operator' })
    .expect(200);
}

/** SP-initiated login in `browser`: the AuthnRequest's ID and the RelayState sent with it. */
export async function startLogin(
  browser: PageClient,
  connectionId: string,
  returnTo?: string,
): Promise<{ requestId: string; relayState: string | null }> {
  const query = returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : '';
  const response = await browser.get(`/sso/${connectionId}/login${query}`, 302);
  const authn = readAuthnRequest(response.headers.location as string);
  return { requestId: authn.id, relayState: authn.relayState };
}

/** Posts a SAML response to the connection's ACS as the IdP's auto-submitting form does. */
export function postToAcs(
  browser: PageClient,
  connectionId: string,
  xml: string,
  relayState?: string | null,
): Promise<request.Response> {
  return browser.post(`/sso/${connectionId}/acs`, {
    SAMLResponse: SamlTestIdp.encode(xml),
    ...(relayState ? { RelayState: relayState } : {}),
  });
}

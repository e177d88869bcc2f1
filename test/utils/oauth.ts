import request from 'supertest';
import type { TestApp } from './create-app';
import { bearer, TestUser } from './factories';

export interface TestClient {
  clientId: string;
  clientSecret: string;
  organizationId: string;
}

export interface ClientSettings {
  clientType?: 'confidential' | 'public';
  grantTypes?: string[];
  scopes?: string[];
  redirectUris?: string[];
}

/** Registers an OAuth client through the management API, as the organization's owner. */
export async function registerClient(
  t: TestApp,
  owner: TestUser,
  settings: ClientSettings = {},
): Promise<TestClient> {
  const grantTypes = settings.grantTypes ?? ['client_credentials'];
  const response = await request(t.http)
    .post('/v1/oauth/clients')
    .set(bearer(owner.accessToken))
    .send({
      name: 'Test client',
      client_type: settings.clientType ?? 'confidential',
      grant_types: grantTypes,
      scopes: settings.scopes ?? ['translate:read', 'translate:write'],
      redirect_uris:
        settings.redirectUris ??
        (grantTypes.includes('authorization_code') ? ['https://app.example/callback'] : []),
    })
    .expect(201);
  return {
    clientId: response.body.client_id,
    clientSecret: response.body.client_secret,
    organizationId: owner.organizationId,
  };
}

/** `Authorization: Basic` for client_secret_basic (RFC 6749 section 2.3.1). */
export function basicAuth(clientId: string, secret: string): { Authorization: string } {
  const encoded = `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`;
  return { Authorization: `Basic ${Buffer.from(encoded).toString('base64')}` };
}

/** A client_credentials token for the client, asserting the exchange succeeded. */
export async function clientCredentialsToken(
  t: TestApp,
  client: TestClient,
  scope?: string,
): Promise<string> {
  const response = await request(t.http)
    .post('/oauth/token')
    .set(basicAuth(client.clientId, client.clientSecret))
    .type('form')
    .send({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) })
    .expect(200);
  return response.body.access_token as string;
}

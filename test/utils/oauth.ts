import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { AuthorizationCodes } from '../../src/modules/oauth/grants/authorization-codes';
import { OAuthGrants } from '../../src/modules/oauth/grants/oauth-grants';
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

/** Who registers a client: an owner's (or admin's) token and the organization it acts in. */
export type ClientRegistrar = Pick<TestUser, 'accessToken' | 'organizationId'>;

/** Registers an OAuth client through the management API, as the organization's owner. */
export async function registerClient(
  t: TestApp,
  owner: ClientRegistrar,
  settings: ClientSettings = {},
): Promise<TestClient> {
  const grantTypes = settings.grantTypes ?? ['client_credentials'];
  const response = await request(t.http)
    .post('/v1/oauth/clients')
    .set(bearer(owner.accessToken))
    .set('X-Organization-ID', owner.organizationId)
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

/** A PKCE pair (RFC 7636): a fresh verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface GrantedCode {
  code: string;
  grantId: string;
}

export interface CodeSettings {
  client: TestClient;
  userId: string;
  /** The organization the user grants the client (the client's, unless a test says otherwise). */
  organizationId?: string;
  scopes: string[];
  redirectUri: string;
  codeChallenge?: string | null;
  nonce?: string | null;
  authTime?: Date;
  amr?: string[];
}

/**
 * What the authorization endpoint will do once the user has signed in and consented: the user's
 * grant to the client (made or widened) and a code under it, through the app's own services.
 */
export async function grantedCode(t: TestApp, settings: CodeSettings): Promise<GrantedCode> {
  const organizationId = settings.organizationId ?? settings.client.organizationId;
  const grant = await t.app.get(OAuthGrants).consent({
    clientId: settings.client.clientId,
    userId: settings.userId,
    organizationId,
    scopes: settings.scopes,
  });
  const code = await t.app.get(AuthorizationCodes).issue({
    grantId: grant.id,
    clientId: settings.client.clientId,
    userId: settings.userId,
    organizationId,
    redirectUri: settings.redirectUri,
    scopes: settings.scopes,
    codeChallenge: settings.codeChallenge ?? null,
    nonce: settings.nonce ?? null,
    authTime: settings.authTime ?? new Date(),
    amr: settings.amr ?? ['pwd'],
  });
  return { code, grantId: grant.id };
}

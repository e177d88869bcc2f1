import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CacheInvalidationBus } from '../../src/common/cluster/cache-invalidation.bus';
import { prefixedId } from '../../src/common/ids';
import { ClientSecrets } from '../../src/modules/oauth/clients/client-secrets';
import { AuthorizationCodes } from '../../src/modules/oauth/grants/authorization-codes';
import { OAuthGrants } from '../../src/modules/oauth/grants/oauth-grants';
import { OAuthClient } from '../../src/modules/oauth/storage/oauth-client.entity';
import type { TestApp } from './create-app';

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

/**
 * Registers an OAuth client in an organization, as the management API stores one (a row with
 * the secret's keyed hash). Used by the grant suites until they register through the API.
 */
export async function registerClient(
  t: TestApp,
  organizationId: string,
  settings: ClientSettings = {},
): Promise<TestClient> {
  const { secret, hash } = t.app.get(ClientSecrets).generate();
  const clientType = settings.clientType ?? 'confidential';
  const id = prefixedId('client');
  const now = new Date();
  await t.app
    .get(DataSource)
    .getRepository(OAuthClient)
    .insert({
      id,
      organizationId,
      name: 'Test client',
      clientType,
      redirectUris: JSON.stringify(settings.redirectUris ?? []),
      postLogoutRedirectUris: '[]',
      grantTypes: (settings.grantTypes ?? ['client_credentials']).join(' '),
      scopes: (settings.scopes ?? ['translate:read', 'translate:write']).join(' '),
      secretHash: clientType === 'confidential' ? hash : null,
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      firstParty: false,
      createdBy: 'test',
      createdAt: now,
      updatedAt: now,
    });
  await t.app.get(CacheInvalidationBus).publish({ kind: 'oauth_client', id });
  return { clientId: id, clientSecret: secret, organizationId };
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

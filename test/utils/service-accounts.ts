import { importPKCS8, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { TestApp } from './create-app';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The key file of POST /v1/service-accounts (and of a key the server made). */
export interface KeyFile {
  type: 'service_account';
  organization_id: string;
  service_account_id: string;
  client_id: string;
  private_key_id: string;
  private_key: string;
  token_uri: string;
}

export interface TestServiceAccount {
  id: string;
  scopes: string[];
  keyFile: KeyFile;
}

/** Creates a service account through the API; asserts 201. */
export async function createServiceAccount(
  t: TestApp,
  headers: Record<string, string>,
  body: Record<string, unknown> = {},
): Promise<TestServiceAccount> {
  const response = await request(t.http)
    .post('/v1/service-accounts')
    .set(headers)
    .send({ name: 'deploy pipeline', scopes: ['translate:write', 'translate:read'], ...body })
    .expect(201);
  return { id: response.body.id, scopes: response.body.scopes, keyFile: response.body.key_file };
}

export interface AssertionOptions {
  /** Claims set over the defaults (undefined removes one). */
  claims?: Record<string, unknown>;
  /** Epoch seconds of `iat` (default: now); exp defaults to 5 minutes later. */
  issuedAt?: number;
  /** Another PKCS#8 private key or a secret to sign with, another algorithm or kid. */
  privateKey?: string;
  alg?: string;
  kid?: string;
}

/**
 * An assertion signed as a pipeline would with jose and the key file alone: iss = sub = client_id,
 * aud = token_uri, five minutes, a fresh jti.
 */
export async function signAssertion(
  keyFile: KeyFile,
  options: AssertionOptions = {},
): Promise<string> {
  const alg = options.alg ?? 'RS256';
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const key = await importPKCS8(options.privateKey ?? keyFile.private_key, alg);
  const claims: Record<string, unknown> = {
    iss: keyFile.client_id,
    sub: keyFile.client_id,
    aud: keyFile.token_uri,
    iat,
    exp: iat + 300,
    jti: randomUUID(),
    ...options.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg, kid: options.kid ?? keyFile.private_key_id })
    .sign(key);
}

/** POST /oauth/token with the JWT bearer grant (form-encoded, as OAuth clients send it). */
export function exchange(t: TestApp, assertion: string, fields: Record<string, string> = {}) {
  return request(t.http)
    .post('/oauth/token')
    .type('form')
    .send({ grant_type: JWT_BEARER, assertion, ...fields });
}

/** An access token for the account's key file; asserts the exchange succeeded. */
export async function serviceAccountToken(
  t: TestApp,
  keyFile: KeyFile,
  options: AssertionOptions & { scope?: string } = {},
): Promise<string> {
  const response = await exchange(
    t,
    await signAssertion(keyFile, options),
    options.scope ? { scope: options.scope } : {},
  ).expect(200);
  return response.body.access_token as string;
}

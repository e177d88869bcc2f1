import { importPKCS8, SignJWT, type KeyLike } from 'jose';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Credential, CredentialContext } from './credential';
import { isDueForRenewal } from './expiry';

export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The key file of POST /v1/service-accounts (API.md, "Service accounts"). */
export interface ServiceAccountKeyFile {
  type: 'service_account';
  organization_id: string;
  service_account_id: string;
  client_id: string;
  private_key_id: string;
  /** PKCS#8 PEM. */
  private_key: string;
  token_uri: string;
}

export interface ServiceAccountOptions {
  /** Scopes to ask for (each within the account's); all of the account's by default. */
  scopes?: string[];
  /** Get a new token this long before the current one expires (default 60 s). */
  refreshMarginMs?: number;
  /**
   * Epoch ms by which the token's age is judged (tests move it). Assertions always carry the
   * real time: Tessera checks their iat against its own clock.
   */
  now?: () => number;
}

/** How long an assertion is valid: the server accepts at most an hour; a minute is plenty. */
const ASSERTION_LIFETIME_SECONDS = 60;

/**
 * A service account's key file: it signs an RFC 7523 assertion (iss = sub = client_id, aud =
 * the key file's token_uri, a fresh jti, one minute), trades it at POST /oauth/token for an
 * access token, and does so again shortly before that token expires. Concurrent requests share
 * one exchange.
 */
export class ServiceAccountCredential implements Credential {
  readonly kind = 'service_account';
  private readonly keyFile: ServiceAccountKeyFile;
  private signingKey: Promise<{ key: KeyLike; alg: 'RS256' | 'ES256' }> | undefined;
  private token: { value: string; expiresAt: number } | undefined;
  private exchanging: Promise<string> | undefined;
  private readonly refreshMarginMs: number;
  private readonly now: () => number;

  constructor(
    keyFile: ServiceAccountKeyFile,
    private readonly options: ServiceAccountOptions = {},
  ) {
    this.keyFile = checkedKeyFile(keyFile);
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The client_id: what the account is known as in audit events and `sub` claims. */
  get clientId(): string {
    return this.keyFile.client_id;
  }

  /** The base URL the key file's token_uri names, for a client given no other. */
  get issuerUrl(): string {
    return this.keyFile.token_uri.replace(/\/oauth\/token\/?$/, '');
  }

  authorization(context: CredentialContext): Promise<string> {
    const token = this.token;
    if (token && !isDueForRenewal(token.expiresAt, this.now(), this.refreshMarginMs)) {
      return Promise.resolve(`Bearer ${token.value}`);
    }
    return this.exchange(context).then((value) => `Bearer ${value}`);
  }

  async renew(context: CredentialContext): Promise<boolean> {
    this.token = undefined;
    await this.exchange(context);
    return true;
  }

  toJSON(): Record<string, string> {
    return { kind: this.kind, client_id: this.keyFile.client_id };
  }

  private exchange(context: CredentialContext): Promise<string> {
    this.exchanging ??= this.requestToken(context).finally(() => {
      this.exchanging = undefined;
    });
    return this.exchanging;
  }

  /** POST /oauth/token of the client's base URL; `aud` stays the key file's token_uri. */
  private async requestToken(context: CredentialContext): Promise<string> {
    const form = new URLSearchParams({
      grant_type: JWT_BEARER_GRANT_TYPE,
      assertion: await this.signAssertion(),
    });
    if (this.options.scopes?.length) form.set('scope', this.options.scopes.join(' '));
    const response = await context.send(
      new Request(`${context.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      }),
    );
    const answer = (await response.json()) as { access_token: string; expires_in: number };
    this.token = { value: answer.access_token, expiresAt: this.now() + answer.expires_in * 1000 };
    return answer.access_token;
  }

  private async signAssertion(): Promise<string> {
    this.signingKey ??= importSigningKey(this.keyFile.private_key);
    const { key, alg } = await this.signingKey;
    const issuedAt = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg, kid: this.keyFile.private_key_id })
      .setIssuer(this.keyFile.client_id)
      .setSubject(this.keyFile.client_id)
      .setAudience(this.keyFile.token_uri)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ASSERTION_LIFETIME_SECONDS)
      .setJti(randomUUID())
      .sign(key);
  }
}

/**
 * A key file as a path or its JSON text (how TESSERA_SERVICE_ACCOUNT_KEY may hold it): text
 * that starts with `{` is the document itself.
 */
export function readServiceAccountKeyFile(pathOrJson: string): ServiceAccountKeyFile {
  const text = pathOrJson.trimStart().startsWith('{')
    ? pathOrJson
    : readFileSync(pathOrJson, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('The service account key file is not JSON');
  }
  return checkedKeyFile(parsed as ServiceAccountKeyFile);
}

export function serviceAccountCredential(
  keyFile: ServiceAccountKeyFile | string,
  options?: ServiceAccountOptions,
): ServiceAccountCredential {
  const document = typeof keyFile === 'string' ? readServiceAccountKeyFile(keyFile) : keyFile;
  return new ServiceAccountCredential(document, options);
}

const KEY_FILE_FIELDS = ['client_id', 'private_key_id', 'private_key', 'token_uri'] as const;

function checkedKeyFile(keyFile: ServiceAccountKeyFile): ServiceAccountKeyFile {
  if (typeof keyFile !== 'object' || keyFile === null || keyFile.type !== 'service_account') {
    throw new Error('Not a Tessera service account key file (type must be "service_account")');
  }
  const missing = KEY_FILE_FIELDS.filter((field) => typeof keyFile[field] !== 'string');
  if (missing.length > 0) {
    throw new Error(`The service account key file lacks ${missing.join(', ')}`);
  }
  return keyFile;
}

/** The algorithm follows the key: RS256 for RSA, ES256 for P-256 (the two Tessera accepts). */
async function importSigningKey(pem: string): Promise<{ key: KeyLike; alg: 'RS256' | 'ES256' }> {
  const type = createPrivateKey(pem).asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') {
    throw new Error(`Service account keys are RSA or P-256 keys, not ${String(type)}`);
  }
  const alg = type === 'rsa' ? 'RS256' : 'ES256';
  return { key: await importPKCS8(pem, alg), alg };
}

/** What a credential may use to get or renew its token: the client's base URL and plain fetch. */
export interface CredentialContext {
  baseUrl: string;
  /** fetch with the client's retries, without any credential, throwing TesseraError on a refusal. */
  send(request: Request): Promise<Response>;
}

/** The kinds of credential the SDK can present, in the order it looks for them (README). */
export type CredentialKind = 'api_key' | 'admin_token' | 'service_account' | 'user_session';

/** A way to authenticate each request: the Authorization header, renewed when it can be. */
export interface Credential {
  readonly kind: CredentialKind;
  /** The Authorization header of the next request (`Bearer ...`). */
  authorization(context: CredentialContext): Promise<string>;
  /**
   * After a 401: get a fresh token if this credential can (a session, a service account) and say
   * whether the request is worth sending once more.
   */
  renew?(context: CredentialContext): Promise<boolean>;
}

/** A secret that is the token itself: an API key or the instance administrator's token. */
export class StaticCredential implements Credential {
  constructor(
    readonly kind: 'api_key' | 'admin_token',
    private readonly secret: string,
  ) {
    if (!secret) throw new Error(`An empty ${kind} is no credential`);
  }

  authorization(): Promise<string> {
    return Promise.resolve(`Bearer ${this.secret}`);
  }

  /** Shown in logs and errors: never the secret. */
  toJSON(): Record<string, string> {
    return { kind: this.kind };
  }
}

export const apiKeyCredential = (key: string): Credential => new StaticCredential('api_key', key);
export const adminTokenCredential = (token: string): Credential =>
  new StaticCredential('admin_token', token);

import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/schema';
import { Credential, CredentialContext } from './credentials/credential';
import {
  CredentialOptions,
  isServiceAccount,
  resolveCredential,
} from './credentials/resolve-credential';
import type { SessionTokens } from './credentials/user-session';
import { TesseraError } from './errors';
import { authenticatedFetch } from './http/authenticated-fetch';
import { retryingFetch, RetryOptions } from './http/retry';

export interface TesseraOptions extends CredentialOptions {
  /** Where Tessera is, e.g. `https://auth.example.com`; default TESSERA_URL, else the profile's `url`. */
  baseUrl?: string;
  /** X-Organization-ID of every request, for a user in several organizations. */
  organizationId?: string;
  retry?: RetryOptions;
  /** Another fetch (a proxy agent, a test double); default the global one. */
  fetch?: typeof fetch;
}

/** The body of GET /v1/auth/verify. */
export type VerifyAnswer =
  paths['/v1/auth/verify']['get']['responses'][200]['content']['application/json'];

/**
 * A Tessera client: `api` is the typed client generated from the OpenAPI document
 * (openapi-fetch), with the credential, retries and typed errors of this layer. Every call
 * resolves with `{ data, response }` or rejects with a TesseraError.
 *
 * @example
 * const tessera = new Tessera({ baseUrl: 'https://auth.example.com', apiKey: process.env.KEY });
 * const { data } = await tessera.api.GET('/v1/api-keys', { params: { query: { limit: 10 } } });
 */
export class Tessera {
  readonly api: Client<paths>;
  readonly baseUrl: string;
  readonly credential: Credential | undefined;
  /** Which option, variable or profile the credential came from. */
  readonly credentialSource: string;
  private readonly send: (request: Request) => Promise<Response>;
  private readonly organizationId: string | undefined;

  constructor(options: TesseraOptions = {}) {
    const env = options.env ?? process.env;
    const resolved = resolveCredential(options);
    this.credential = resolved.credential;
    this.credentialSource = resolved.source;
    const baseUrl =
      options.baseUrl ??
      env.TESSERA_URL ??
      resolved.profile?.url ??
      (isServiceAccount(resolved.credential) ? resolved.credential.issuerUrl : undefined);
    if (!baseUrl) {
      throw new Error('Where is Tessera? Pass baseUrl, set TESSERA_URL, or add url to the profile');
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    const profileUrl = resolved.profile?.url;
    if (resolved.fromProfile && !(profileUrl && sameServer(this.baseUrl, profileUrl))) {
      // A session's refresh token or an API key sent to another server is theirs to use; a
      // profile without a url cannot say which server its credential is for.
      throw new Error(
        profileUrl
          ? `The credential of ${resolved.source} is for ${profileUrl}, not ${this.baseUrl}: ` +
              'sign in there with another profile (--profile, TESSERA_PROFILE) or pass a credential'
          : `The ${resolved.source} has no url: add the address of the Tessera its credential ` +
              'is for (url = https://...)',
      );
    }
    this.organizationId = options.organizationId ?? resolved.profile?.organization_id;
    const retrying = retryingFetch(options.fetch ?? ((input) => fetch(input)), options.retry);
    this.send = async (request) => {
      const response = await retrying(request);
      if (!response.ok) throw await TesseraError.fromResponse(response, request);
      return response;
    };
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      fetch: authenticatedFetch({
        context: this.context,
        credential: this.credential,
        organizationId: () => this.organizationId,
      }),
    });
  }

  /** What Tessera makes of this client's credential (GET /v1/auth/verify). */
  async verify(): Promise<VerifyAnswer> {
    const { data } = await this.api.GET('/v1/auth/verify');
    return data as VerifyAnswer;
  }

  /**
   * Signs a user in (POST /v1/auth/login) and returns the session's tokens, for
   * `new Tessera({ session: {...} })` or a profile. Needs no credential.
   */
  async login(credentials: {
    email: string;
    password: string;
    mfa_code?: string;
  }): Promise<SessionTokens> {
    const response = await this.send(
      new Request(`${this.baseUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(credentials),
      }),
    );
    return (await response.json()) as SessionTokens;
  }

  private get context(): CredentialContext {
    return { baseUrl: this.baseUrl, send: this.send };
  }
}

/** The same Tessera: scheme, host, port and path alike (a trailing slash aside). */
function sameServer(a: string, b: string): boolean {
  const normal = (url: string) => {
    try {
      const parsed = new URL(url);
      return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    } catch {
      return url.replace(/\/+$/, '');
    }
  };
  return normal(a) === normal(b);
}

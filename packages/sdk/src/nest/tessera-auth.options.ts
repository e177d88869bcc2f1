/** How a resource server trusts Tessera (TesseraAuthModule.forRoot). */
export interface TesseraAuthOptions {
  /** Tessera's TESSERA_ISSUER: the `iss` of its tokens. */
  issuer: string;
  /** Where to reach Tessera when not at the issuer's address (JWKS and /v1/auth/verify). */
  baseUrl?: string;
  /** The `aud` tokens must carry: Tessera's TESSERA_AUDIENCE, which defaults to the issuer. */
  audience?: string;
  /** Default `<baseUrl>/.well-known/jwks.json`. */
  jwksUrl?: string;
  /**
   * How long an API key's answer from /v1/auth/verify is reused (default 10 000 ms): a revoked
   * key is refused at most this long after its revocation. 0 asks Tessera every time.
   */
  apiKeyCacheTtlMs?: number;
  /** How far apart Tessera's clock and this server's may be (default 30 s). */
  clockToleranceSeconds?: number;
  /**
   * The least time between two fetches of the JWKS for a `kid` it lacks (default 30 000 ms): a
   * flood of forged kids cannot turn into a flood of requests to Tessera.
   */
  jwksCooldownMs?: number;
  /** false: the guard is not global; put @UseGuards(TesseraAuthGuard) where it should apply. */
  global?: boolean;
  /** Epoch ms, for the API key cache (tests move it). */
  now?: () => number;
  fetch?: typeof fetch;
}

export const TESSERA_AUTH_OPTIONS = Symbol('TESSERA_AUTH_OPTIONS');

export const DEFAULT_API_KEY_CACHE_TTL_MS = 10_000;

export function baseUrlOf(options: TesseraAuthOptions): string {
  return (options.baseUrl ?? options.issuer).replace(/\/+$/, '');
}

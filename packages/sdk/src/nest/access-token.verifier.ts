import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { invalidCredential, tesseraUnavailable } from './refusals';
import { baseUrlOf, TESSERA_AUTH_OPTIONS, type TesseraAuthOptions } from './tessera-auth.options';
import type { TesseraPrincipal } from './tessera-principal';

/** RFC 9068's JOSE `typ` of OAuth access tokens; a user's own token says `typ: user` in its claims. */
const OAUTH_ACCESS_TOKEN_TYPE = 'at+jwt';
const USER_TOKEN_KIND = 'user';

/**
 * Tessera's access tokens, checked offline: the RS256 signature against Tessera's JWKS (fetched
 * once, kept, fetched again when a token names a `kid` it lacks, as after a key rotation), then
 * `iss`, `aud` and `exp`. No request to Tessera per call, so a token revoked before it expires
 * (logout, a revoked grant) still passes until its `exp`: tokens live an hour by default.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(@Inject(TESSERA_AUTH_OPTIONS) private readonly options: TesseraAuthOptions) {
    const url = options.jwksUrl ?? `${baseUrlOf(options)}/.well-known/jwks.json`;
    this.jwks = createRemoteJWKSet(new URL(url), {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
    });
  }

  async verify(token: string): Promise<TesseraPrincipal> {
    let payload: JWTPayload;
    let type: string | undefined;
    try {
      const verified = await jwtVerify(token, this.jwks, {
        algorithms: ['RS256'],
        issuer: this.options.issuer,
        audience: this.options.audience ?? this.options.issuer,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
      });
      payload = verified.payload;
      type = verified.protectedHeader.typ;
    } catch (error) {
      if (isUnreachable(error)) throw tesseraUnavailable();
      throw invalidCredential();
    }
    return principalOf(payload, type);
  }
}

/** The JWKS could not be fetched: Tessera is down, which is no fault of the caller's token. */
function isUnreachable(error: unknown): boolean {
  return (
    error instanceof joseErrors.JWKSTimeout ||
    (error instanceof joseErrors.JOSEError && error.code === 'ERR_JOSE_GENERIC') ||
    !(error instanceof joseErrors.JOSEError)
  );
}

function principalOf(payload: JWTPayload, type: string | undefined): TesseraPrincipal {
  const claims = payload as JWTPayload & Record<string, unknown>;
  const common = {
    subject: String(claims.sub),
    organizationId: typeof claims.org_id === 'string' ? claims.org_id : null,
    scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
    expiresAt: new Date((claims.exp as number) * 1000),
    verifiedBy: 'jwks' as const,
  };
  if (type === OAUTH_ACCESS_TOKEN_TYPE && typeof claims.client_id === 'string') {
    if (typeof claims.gid === 'string')
      return { ...common, type: 'user', clientId: claims.client_id };
    const isAccount = typeof claims.key_id === 'string';
    return {
      ...common,
      type: isAccount ? 'service_account' : 'oauth_client',
      clientId: claims.client_id,
    };
  }
  if (claims.typ === USER_TOKEN_KIND) return { ...common, type: 'user' };
  // An ID token or anything else Tessera signed that is no access token.
  throw invalidCredential();
}

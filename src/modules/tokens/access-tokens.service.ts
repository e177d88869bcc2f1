import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { errors as joseErrors, jwtVerify } from 'jose';
import { KeyObject, randomUUID } from 'node:crypto';
import { EnvironmentVariables } from '../../config/env.schema';
import { RS256HeaderSegments, signRs256 } from './rs256-compact';
import { SigningKeysService } from './signing-keys.service';

/** The `typ` claim of a user's access token; other kinds of token name themselves there too. */
export const USER_TOKEN_KIND = 'user' as const;

/** The claims of a Tessera access token (RS256 JWT). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  scope: string;
  org_id: string;
  /** The login session; logout and refresh-token reuse revoke it. */
  sid: string;
  amr: string[];
  /** Which kind of principal the token stands for. */
  typ: 'user';
}

/** The JOSE `typ` of OAuth access tokens (RFC 9068 section 2.1): how they are told apart. */
export const OAUTH_ACCESS_TOKEN_TYPE = 'at+jwt';

/** `"typ":"at+jwt"` as the protected header spells it: how verifiers spot these tokens cheaply. */
export const OAUTH_ACCESS_TOKEN_TYPE_MEMBER = `"typ":"${OAUTH_ACCESS_TOKEN_TYPE}"`;

/** The claims of an OAuth access token (RFC 9068 section 2.2, plus Tessera's `org_id`, `gid`). */
export interface OAuthAccessTokenClaims {
  iss: string;
  /** The user the client acts for; the client itself for `client_credentials`. */
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope: string;
  org_id: string;
  /** The user's grant the token was issued under; absent for the client's own tokens. */
  gid?: string;
  auth_time?: number;
  /** A service account's token: the account key that signed its assertion (revoking it ends the token). */
  key_id?: string;
}

export interface IssueOAuthAccessToken {
  subject: string;
  clientId: string;
  organizationId: string;
  scopes: readonly string[];
  grantId?: string;
  authTime?: Date;
  /** A service account's token: the key its assertion was signed with. */
  keyId?: string;
}

/**
 * An OpenID Connect ID token (Core section 2): about the user, for the client (`aud`), never an
 * access token. What it says beyond the registered claims is the caller's (`claims`).
 */
export interface IssueIdToken {
  /** The user. */
  subject: string;
  /** The client_id. */
  audience: string;
  claims: Record<string, unknown>;
}

export interface IssueAccessToken {
  subject: string;
  organizationId: string;
  sessionId: string;
  scopes: readonly string[];
  amr: string[];
}

/**
 * Signs access tokens and ID tokens: the one place a Tessera JWT is made, with the signing keys
 * the JWKS publishes. Verifies the RFC 9068 ones.
 */
@Injectable()
export class AccessTokensService {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  private readonly headerSegments = new RS256HeaderSegments();

  constructor(
    private readonly signingKeys: SigningKeysService,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.issuer = config.get('TESSERA_ISSUER', { infer: true });
    this.audience = config.get('TESSERA_AUDIENCE', { infer: true }) ?? this.issuer;
    this.ttlSeconds = config.get('ACCESS_TOKEN_TTL_SECONDS', { infer: true });
  }

  async issue(input: IssueAccessToken): Promise<{ token: string; expiresIn: number; jti: string }> {
    const jti = randomUUID();
    const claims: AccessTokenClaims = Object.assign(
      this.registeredClaims(this.audience, input.subject),
      {
        jti,
        scope: input.scopes.join(' '),
        org_id: input.organizationId,
        sid: input.sessionId,
        amr: input.amr,
        typ: USER_TOKEN_KIND,
      },
    );
    const token = await this.sign('JWT', claims);
    return { token, expiresIn: this.ttlSeconds, jti };
  }

  /** An RFC 9068 access token for an OAuth client, signed by the same keys (one JWKS). */
  async issueOAuth(
    input: IssueOAuthAccessToken,
  ): Promise<{ token: string; expiresIn: number; jti: string }> {
    const jti = randomUUID();
    const claims: OAuthAccessTokenClaims = Object.assign(
      this.registeredClaims(this.audience, input.subject),
      {
        jti,
        client_id: input.clientId,
        scope: input.scopes.join(' '),
        org_id: input.organizationId,
      },
    );
    if (input.grantId) claims.gid = input.grantId;
    if (input.authTime) claims.auth_time = Math.floor(input.authTime.getTime() / 1000);
    if (input.keyId) claims.key_id = input.keyId;
    const token = await this.sign(OAUTH_ACCESS_TOKEN_TYPE, claims);
    return { token, expiresIn: this.ttlSeconds, jti };
  }

  /**
   * An ID token: `typ: JWT` and no `typ` claim, audience the client, so no verifier of /v1 takes
   * it for an access token (those need `at+jwt` or a `typ` claim, and Tessera's audience).
   */
  async issueIdToken(input: IssueIdToken): Promise<string> {
    return this.sign('JWT', {
      ...input.claims,
      ...this.registeredClaims(input.audience, input.subject),
    });
  }

  /**
   * iss, aud, sub, iat and exp (the configured lifetime from now): a new object, which the access
   * tokens extend with Object.assign. Spread into a literal with more claims after them, they
   * made a slow object: 6.9 against 1.1 us a token with its JSON.stringify (issue #14).
   */
  private registeredClaims(audience: string, subject: string) {
    const issuedAt = Math.floor(Date.now() / 1000);
    return {
      iss: this.issuer,
      aud: audience,
      sub: subject,
      iat: issuedAt,
      exp: issuedAt + this.ttlSeconds,
    };
  }

  /** The claims as an RS256 JWS with the active key (rs256-compact.ts: why not jose's CompactSign). */
  private sign(type: string, claims: object): Promise<string> {
    const key = this.signingKeys.activeKey();
    return signRs256(this.headerSegments.of(key.kid, type), claims, key.privateKey);
  }

  /**
   * The claims of an RFC 9068 token Tessera signed that has not expired; null for anything else
   * (malformed, forged, another kind of token, expired, a key no longer trusted). Whose token it
   * is (a client's, a service account's) is for its verifier to check.
   */
  async verifyOAuth(token: string): Promise<OAuthAccessTokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.publicKeyOf(header.kid), {
        algorithms: ['RS256'],
        typ: OAUTH_ACCESS_TOKEN_TYPE,
        issuer: this.issuer,
        audience: this.audience,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      });
      return isOAuthClaims(payload) ? payload : null;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return null;
      throw error; // the database, looking up an unknown kid
    }
  }

  private async publicKeyOf(kid: string | undefined): Promise<KeyObject> {
    const key = kid ? await this.signingKeys.publicKey(kid) : null;
    if (!key) throw new joseErrors.JWKSNoMatchingKey();
    return key;
  }
}

function isOAuthClaims(payload: unknown): payload is OAuthAccessTokenClaims {
  const claims = payload as Partial<OAuthAccessTokenClaims>;
  return (
    typeof claims.client_id === 'string' &&
    typeof claims.scope === 'string' &&
    typeof claims.org_id === 'string' &&
    typeof claims.jti === 'string' &&
    (claims.gid === undefined || typeof claims.gid === 'string') &&
    (claims.key_id === undefined || typeof claims.key_id === 'string')
  );
}

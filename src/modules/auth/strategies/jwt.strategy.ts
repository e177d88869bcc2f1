import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { decodeProtectedHeader } from 'jose';
import { Strategy } from 'passport-jwt';
import { PRESENTED_CREDENTIAL } from '../../../common/auth/run-strategy';
import {
  AccessTokensService,
  AccessTokenClaims,
  USER_TOKEN_KIND,
} from '../../tokens/access-tokens.service';
import { SigningKeysService } from '../../tokens/signing-keys.service';
import { SessionsRepository } from '../sessions/sessions.repository';

export const JWT_STRATEGY = 'jwt';

type WithCredential = FastifyRequest & { [PRESENTED_CREDENTIAL]?: string };

/**
 * First verification of a user access token: RS256 signature by `kid` against our signing keys,
 * issuer, audience, expiry; then the token must not be logged out (jti denylist) and its session
 * must not be revoked. Runs only on an AccessTokenCache miss.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    accessTokens: AccessTokensService,
    signingKeys: SigningKeysService,
    private readonly sessions: SessionsRepository,
  ) {
    super({
      jwtFromRequest: (request: WithCredential) => request[PRESENTED_CREDENTIAL] ?? null,
      secretOrKeyProvider: (
        _request: unknown,
        rawJwt: string,
        done: (err: unknown, key?: string) => void,
      ) => {
        let kid: string | undefined;
        try {
          kid = decodeProtectedHeader(rawJwt).kid;
        } catch {
          return done(null, undefined);
        }
        if (!kid) return done(null, undefined);
        // jsonwebtoken (inside passport-jwt) takes the public key as PEM.
        signingKeys.publicKeyPem(kid).then(
          (pem) => done(null, pem ?? undefined),
          (error) => done(error),
        );
      },
      algorithms: ['RS256'],
      issuer: accessTokens.issuer,
      audience: accessTokens.audience,
      ignoreExpiration: false,
    });
  }

  async validate(claims: AccessTokenClaims): Promise<AccessTokenClaims | false> {
    if (claims.typ !== USER_TOKEN_KIND || !claims.sid || !claims.jti) return false;
    const [denylisted, session] = await Promise.all([
      this.sessions.isAccessTokenDenylisted(claims.jti),
      this.sessions.findSession(claims.sid),
    ]);
    if (denylisted || !session || session.revokedAt) return false;
    return claims;
  }
}

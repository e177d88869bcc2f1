import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomOpaqueToken, sha256Hex } from '../../../common/crypto/secrets';
import { InvalidGrant } from '../../../common/errors/oauth-errors';
import { uuidv7 } from '../../../common/ids';
import { Clock } from '../../../common/time/clock';
import { EnvironmentVariables } from '../../../config/env.schema';
import { isMissingReference } from '../../../database/errors';
import { mayBeRetry } from '../../../database/refresh-token-rotation';
import { storedScopes } from '../oauth-scopes';
import type { OAuthRefreshToken } from '../storage/oauth-refresh-token.entity';
import { OAuthGrantsRepository } from './oauth-grants.repository';

/** Tells an OAuth refresh token from an access token (a JWT) and from a session's (`rt_`). */
export const OAUTH_REFRESH_TOKEN_PREFIX = 'ort_';
/** 256 random bits. */
const TOKEN_BYTES = 32;
const DAY_MS = 86_400_000;

export interface NewRefreshToken {
  grantId: string;
  scopes: readonly string[];
  authTime: Date;
  amr: string;
  /** The family's absolute end: set at the code exchange, handed over on each rotation. */
  expiresAt: Date;
  /** The token this one replaces (the refresh grant's): its one use is written with this one. */
  replaces?: OAuthRefreshToken;
}

/** The token a rotation replaces was used meanwhile (a concurrent or replayed use). */
export class RefreshTokenAlreadyUsed extends Error {
  constructor() {
    super('The refresh token was already used');
  }
}

/**
 * OAuth refresh tokens: opaque, stored as their SHA-256, each good for one use (the refresh
 * grant rotates it). A family ends OAUTH_REFRESH_TOKEN_MAX_DAYS after its code exchange, however
 * often it is rotated.
 */
@Injectable()
export class OAuthRefreshTokens {
  private readonly maxLifetimeMs: number;
  private readonly retryGraceMs: number;

  constructor(
    private readonly grants: OAuthGrantsRepository,
    private readonly clock: Clock,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.maxLifetimeMs = config.get('OAUTH_REFRESH_TOKEN_MAX_DAYS', { infer: true }) * DAY_MS;
    this.retryGraceMs = config.get('REFRESH_TOKEN_RETRY_GRACE_SECONDS', { infer: true }) * 1000;
  }

  /** The end of a family that starts now. */
  familyEnd(): Date {
    return new Date(this.clock.now() + this.maxLifetimeMs);
  }

  /**
   * A new refresh token under the grant, returned once and never stored. invalid_grant when the
   * grant ended meanwhile (a reuse detected by a concurrent request, the user revoking it);
   * RefreshTokenAlreadyUsed when the token it replaces was used meanwhile. A rotation writes the
   * replaced token's use, this token and the grant's last use together, so a failure leaves the
   * replaced token good for the client's retry.
   */
  async issue(input: NewRefreshToken): Promise<string> {
    const token = OAUTH_REFRESH_TOKEN_PREFIX + randomOpaqueToken(TOKEN_BYTES);
    const now = new Date(this.clock.now());
    const row: OAuthRefreshToken = {
      id: uuidv7(),
      grantId: input.grantId,
      tokenHash: sha256Hex(token),
      scopes: storedScopes(input.scopes),
      authTime: input.authTime,
      amr: input.amr,
      createdAt: now,
      expiresAt: input.expiresAt,
      usedAt: null,
      replacedById: null,
    };
    try {
      if (!input.replaces) {
        await this.grants.insertRefreshToken(row);
      } else {
        const outcome = await this.grants.rotateRefreshToken(input.replaces, row, now);
        if (outcome === 'used') throw new RefreshTokenAlreadyUsed();
        if (outcome === 'ended') throw new InvalidGrant('The grant has ended');
      }
    } catch (error) {
      if (isMissingReference(error)) throw new InvalidGrant('The grant has ended');
      throw error;
    }
    return token;
  }

  /** The token's record, used or not; null for anything never issued (or pruned). */
  async find(token: string): Promise<OAuthRefreshToken | null> {
    if (!token.startsWith(OAUTH_REFRESH_TOKEN_PREFIX)) return null;
    return this.grants.findRefreshToken(sha256Hex(token));
  }

  /** A used token presented again that may be the client's retry of a lost answer (mayBeRetry). */
  mayBeRetry(token: OAuthRefreshToken): boolean {
    return mayBeRetry(token, this.clock.now(), this.retryGraceMs);
  }

  isExpired(token: OAuthRefreshToken): boolean {
    return token.expiresAt.getTime() <= this.clock.now();
  }
}

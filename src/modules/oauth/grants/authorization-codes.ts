import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomOpaqueToken, sha256Hex } from '../../../common/crypto/secrets';
import { InvalidRequest } from '../../../common/errors/oauth-errors';
import { Clock } from '../../../common/time/clock';
import { charCount } from '../../../common/validation/max-chars';
import { EnvironmentVariables } from '../../../config/env.schema';
import { storedScopes } from '../oauth-scopes';
import type { AuthorizationCode } from '../storage/authorization-code.entity';
import { OAuthGrantsRepository } from './oauth-grants.repository';

/** 256 random bits (RFC 9700 section 4.1: unguessable), 43 base64url characters. */
const CODE_BYTES = 32;
/** An S256 challenge: the base64url SHA-256 of the verifier (RFC 7636 section 4.2). */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** The widths of the `nonce` and `amr` columns. */
const MAX_NONCE_LENGTH = 512;
const MAX_AMR_LENGTH = 50;

export interface NewAuthorizationCode {
  grantId: string;
  clientId: string;
  userId: string;
  organizationId: string;
  /** The redirect URI the authorization request named (the token request must repeat it). */
  redirectUri: string;
  scopes: readonly string[];
  /** S256 only (`plain` is never accepted); null only for a confidential client that sent none. */
  codeChallenge: string | null;
  nonce: string | null;
  authTime: Date;
  amr: readonly string[];
}

/**
 * Authorization codes: issued by the authorization endpoint once the user has signed in and
 * consented, exchanged once at the token endpoint (AuthorizationCodeGrant). Stored only as their
 * SHA-256, they live at most OAUTH_CODE_TTL_SECONDS (60 s at most).
 */
@Injectable()
export class AuthorizationCodes {
  private readonly ttlMs: number;

  constructor(
    private readonly grants: OAuthGrantsRepository,
    private readonly clock: Clock,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.ttlMs = config.get('OAUTH_CODE_TTL_SECONDS', { infer: true }) * 1000;
  }

  /** A new code for the grant; the code itself is returned once and never stored. */
  async issue(input: NewAuthorizationCode): Promise<string> {
    if (input.codeChallenge !== null && !S256_CHALLENGE.test(input.codeChallenge)) {
      throw new InvalidRequest(
        'code_challenge must be an S256 challenge (43 base64url characters)',
      );
    }
    // Characters as the column counts them (code points), not UTF-16 units.
    if (input.nonce !== null && charCount(input.nonce) > MAX_NONCE_LENGTH) {
      throw new InvalidRequest(`nonce must be at most ${MAX_NONCE_LENGTH} characters`);
    }
    const amr = input.amr.join(' ');
    if (amr.length > MAX_AMR_LENGTH) throw new Error('Too many authentication methods');
    const code = randomOpaqueToken(CODE_BYTES);
    const now = this.clock.now();
    const row: AuthorizationCode = {
      codeHash: sha256Hex(code),
      grantId: input.grantId,
      clientId: input.clientId,
      userId: input.userId,
      organizationId: input.organizationId,
      redirectUri: input.redirectUri,
      scopes: storedScopes(input.scopes),
      codeChallenge: input.codeChallenge,
      nonce: input.nonce,
      authTime: input.authTime,
      amr,
      createdAt: new Date(now),
      expiresAt: new Date(now + this.ttlMs),
      usedAt: null,
    };
    await this.grants.insertCode(row);
    return code;
  }

  /** The code's record, used or not, expired or not; null for a code never issued. */
  find(code: string): Promise<AuthorizationCode | null> {
    return this.grants.findCode(sha256Hex(code));
  }

  /** Its one use: true for exactly one caller, however many present it at once. */
  claim(code: AuthorizationCode): Promise<boolean> {
    return this.grants.claimCode(code.codeHash, new Date(this.clock.now()));
  }

  isExpired(code: AuthorizationCode): boolean {
    return code.expiresAt.getTime() <= this.clock.now();
  }
}

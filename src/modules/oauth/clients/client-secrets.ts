import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MasterKeyService } from '../../../common/crypto/master-key';
import type { OAuthClient } from '../storage/oauth-client.entity';

/** A readable marker so secret scanners and people can tell what the string is. */
const SECRET_PREFIX = 'tcs_';
const SECRET_BYTES = 32;

/**
 * Client secrets: 256 random bits, shown once, stored as an HMAC-SHA256 under a key derived from
 * the master key. A fast keyed hash is right for a secret with that much entropy (nobody can
 * guess it, so slowing each guess buys nothing), and it keeps the token endpoint at thousands of
 * requests a second where argon2 would cap it near 30 per core.
 */
@Injectable()
export class ClientSecrets {
  private readonly pepper: Buffer;

  constructor(masterKey: MasterKeyService) {
    this.pepper = masterKey.derive('oauth-client-secret-pepper');
  }

  generate(): { secret: string; hash: string } {
    const secret = SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
    return { secret, hash: this.hash(secret) };
  }

  hash(secret: string): string {
    return createHmac('sha256', this.pepper).update(secret).digest('hex');
  }

  /** Constant-time: whether `secret` hashes to `storedHash` (hex of the same length). */
  matches(secret: string, storedHash: string | null): boolean {
    if (!storedHash) return false;
    const presented = Buffer.from(this.hash(secret), 'hex');
    const stored = Buffer.from(storedHash, 'hex');
    return presented.length === stored.length && timingSafeEqual(presented, stored);
  }

  /**
   * Whether `presented` authenticates the client: its current secret, or the one it replaced
   * while that one's grace period lasts (until `previousSecretExpiresAt`, exclusive). A public
   * client has no secret and is never authenticated by one.
   */
  accepts(
    client: Pick<OAuthClient, 'secretHash' | 'previousSecretHash' | 'previousSecretExpiresAt'>,
    presented: string,
    now = Date.now(),
  ): boolean {
    if (this.matches(presented, client.secretHash)) return true;
    const previousValid =
      client.previousSecretExpiresAt !== null && client.previousSecretExpiresAt.getTime() > now;
    return previousValid && this.matches(presented, client.previousSecretHash);
  }
}

import { Injectable } from '@nestjs/common';
import { createHmac, hash as digestOf, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { MasterKeyService } from '../../../common/crypto/master-key';
import type { OAuthClient } from '../storage/oauth-client.entity';

/** A readable marker so secret scanners and people can tell what the string is. */
const SECRET_PREFIX = 'tcs_';
const SECRET_BYTES = 32;
/** Secrets (one per client, two in a rotation's grace period) whose acceptance is remembered. */
const REMEMBERED_SECRETS = 10_000;

/**
 * Client secrets: 256 random bits, shown once, stored as an HMAC-SHA256 under a key derived from
 * the master key. A fast keyed hash is right for a secret with that much entropy (nobody can
 * guess it, so slowing each guess buys nothing), and it keeps the token endpoint at thousands of
 * requests a second where argon2 would cap it near 30 per core.
 */
@Injectable()
export class ClientSecrets {
  private readonly pepper: Buffer;
  /**
   * Stored hash -> SHA-256 of the secret that matched it: a client presents the same secret on
   * every request, and a SHA-256 compared with it costs less than the HMAC (a Hmac object and
   * its key set up each time: ~4% of a client_credentials token's event-loop time). A different
   * secret has a different SHA-256, so it is refused as the HMAC would refuse it. Kept per stored
   * hash, so a rotated secret's entry is simply never asked for again. Only digests are kept,
   * never a secret.
   */
  private readonly accepted = new LRUCache<string, Buffer>({ max: REMEMBERED_SECRETS });

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
    const remembered = this.accepted.get(storedHash);
    if (remembered) return timingSafeEqual(digestOf('sha256', secret, 'buffer'), remembered);
    const presented = Buffer.from(this.hash(secret), 'hex');
    const stored = Buffer.from(storedHash, 'hex');
    const match = presented.length === stored.length && timingSafeEqual(presented, stored);
    if (match) this.accepted.set(storedHash, digestOf('sha256', secret, 'buffer'));
    return match;
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

import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * A constant-time check against one fixed secret, its digest computed once: each call costs one
 * SHA-256 of the presented value.
 */
export function secretMatcher(expected: string): (presented: string) => boolean {
  const expectedDigest = createHash('sha256').update(expected).digest();
  return (presented) =>
    timingSafeEqual(hash('sha256', presented, 'buffer') as unknown as Buffer, expectedDigest);
}

/** An opaque token with `bytes` bytes of entropy, URL-safe. */
export function randomOpaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

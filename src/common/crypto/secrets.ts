import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Constant-time comparison of two secrets of any length: both sides are hashed first, so neither
 * the content nor the length of the expected secret leaks through timing.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
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

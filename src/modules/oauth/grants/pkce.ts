import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 section 4.1: 43 to 128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** The S256 challenge of a verifier: base64url(SHA-256(ASCII(verifier))) (RFC 7636 section 4.2). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * Whether `verifier` is the one the authorization request's S256 `challenge` was made from,
 * compared in constant time. A malformed verifier never matches.
 */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!CODE_VERIFIER.test(verifier)) return false;
  const presented = Buffer.from(s256Challenge(verifier));
  const expected = Buffer.from(challenge);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

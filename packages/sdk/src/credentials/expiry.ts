import { decodeJwt } from 'jose';

/** The `exp` of a JWT in epoch ms, or undefined for a token that is no readable JWT. */
export function jwtExpiresAt(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a token should be replaced before it is sent: within `marginMs` of its expiry (tokens
 * last an hour; a request in flight must not outlive the token it carries).
 */
export function isDueForRenewal(
  expiresAt: number | undefined,
  now: number,
  marginMs: number,
): boolean {
  return expiresAt !== undefined && now >= expiresAt - marginMs;
}

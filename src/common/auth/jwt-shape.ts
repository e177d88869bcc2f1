/** Three non-empty dot-separated parts: the compact serialization of a JWS (no split: hot path). */
export function looksLikeJwt(credential: string): boolean {
  const first = credential.indexOf('.');
  const second = first > 0 ? credential.indexOf('.', first + 1) : -1;
  return (
    second > first + 1 && second < credential.length - 1 && credential.indexOf('.', second + 1) < 0
  );
}

/**
 * A string claim of a JWT, read without verifying it (the signature is its verifier's business):
 * which kind of token it claims to be (`typ`), who claims to have issued it (`iss`). null when
 * the payload is unreadable or the claim is no non-empty string.
 */
export function unverifiedClaim(jwt: string, name: string): string | null {
  const first = jwt.indexOf('.');
  const second = jwt.indexOf('.', first + 1);
  if (first < 0 || second < 0) return null;
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(jwt.slice(first + 1, second), 'base64url').toString('utf8'),
    );
    const value = (payload as Record<string, unknown> | null)?.[name];
    return typeof value === 'string' && value !== '' ? value : null;
  } catch {
    return null;
  }
}

/**
 * The `typ` claim of a JWT, read without verifying it: which kind of access token it claims to
 * be, so the verifier of that kind is the one that checks it. null when unreadable.
 */
export function claimedTokenKind(jwt: string): string | null {
  return unverifiedClaim(jwt, 'typ');
}

/** The last header decoded: several verifiers ask about the same credential in one request. */
let lastJwt = '';
let lastHeader = '';

/**
 * The protected header of a JWT as text (latin1), read without verifying it, for a verifier's
 * cheap "is this my kind" test (`"typ":"at+jwt"`). The verifiers of OAuth and service-account
 * tokens both ask about every JWT that reaches them, a user's token included: the one-entry
 * memo makes that one decode per request, not one per verifier.
 */
export function protectedHeaderText(jwt: string): string {
  if (jwt !== lastJwt) {
    lastHeader = Buffer.from(jwt.slice(0, jwt.indexOf('.')), 'base64url').toString('latin1');
    lastJwt = jwt;
  }
  return lastHeader;
}

import {
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import type { KeyObject } from 'node:crypto';
import { InvalidGrant, InvalidRequest } from '../../../common/errors/oauth-errors';
import type { KeyAlgorithm } from '../keys/service-account-key.entity';

/**
 * A service account's assertion (RFC 7523 section 3), read and checked in steps, each refusal
 * saying which check failed. Never a value the caller sent in a description: only the server's
 * (the key's algorithm, the token endpoint's address).
 */

/** How far the caller's clock may be from ours, either way. */
export const CLOCK_SKEW_SECONDS = 60;
/** The longest an assertion may be valid: from iat to exp. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 3600;

/** What the assertion says before its signature is checked: enough to find its account and key. */
export interface UnverifiedAssertion {
  readonly jwt: string;
  readonly alg: unknown;
  /** The key's `private_key_id`. */
  readonly kid: string;
  /** The account's client_id, if the signature proves it. */
  readonly issuer: string;
}

export interface VerifiedAssertion {
  readonly jti: string;
  /** Epoch seconds. */
  readonly exp: number;
  readonly iat: number;
}

/** The key an assertion names, as it verifies signatures. */
export interface AssertionKey {
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: KeyObject;
}

export interface ExpectedAssertion {
  /** `iss` and `sub`. */
  clientId: string;
  /** The token endpoint's address (the key file's `token_uri`), and the issuer, also accepted. */
  tokenUri: string;
  issuer: string;
  /** Epoch ms. */
  now: number;
}

export function readAssertion(assertion: string | undefined): UnverifiedAssertion {
  if (assertion === undefined) throw new InvalidRequest('assertion is required');
  let header: ReturnType<typeof decodeProtectedHeader>;
  let payload: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    payload = decodeJwt(assertion);
  } catch {
    throw new InvalidGrant(
      'The assertion is not a JWT: a signed compact JWS (header.payload.signature) is expected',
    );
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw new InvalidGrant(
      'The header of the assertion has no kid: it must name the private_key_id of the key that signed it',
    );
  }
  if (typeof payload.iss !== 'string' || payload.iss === '') {
    throw new InvalidGrant(
      'The assertion has no iss: it must be the client_id of the service account',
    );
  }
  return { jwt: assertion, alg: header.alg, kid: header.kid, issuer: payload.iss };
}

/**
 * The signature with the named key and its algorithm alone (never `none`, never HS256 with the
 * public key as a secret), then the claims: iss = sub = the account, aud the token endpoint (or
 * the issuer), exp in the future and at most an hour after iat, iat not in the future, a jti.
 */
export async function verifyAssertion(
  assertion: UnverifiedAssertion,
  key: AssertionKey,
  expected: ExpectedAssertion,
): Promise<VerifiedAssertion> {
  if (assertion.alg !== key.algorithm) {
    throw new InvalidGrant(
      `The assertion must be signed with ${key.algorithm}, the algorithm of the key its kid names`,
    );
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion.jwt, key.publicKey, {
      algorithms: [key.algorithm],
      issuer: expected.clientId,
      subject: expected.clientId,
      audience: [expected.tokenUri, expected.issuer],
      requiredClaims: ['sub', 'aud', 'exp', 'iat', 'jti'],
      currentDate: new Date(expected.now),
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw new InvalidGrant(refusalOf(error, expected));
    throw error;
  }
  return checkedTimes(payload, expected.now);
}

/** How long the assertion could still be accepted (its jti is remembered that long). */
export function remainingValidityMs(assertion: VerifiedAssertion, now: number): number {
  return (assertion.exp + CLOCK_SKEW_SECONDS) * 1000 - now;
}

/** What jose's checks leave: the jti, and the times against each other and our clock. */
function checkedTimes(payload: JWTPayload, now: number): VerifiedAssertion {
  const { jti, exp, iat } = payload as { jti: unknown; exp: number; iat: number };
  if (typeof jti !== 'string' || jti === '') {
    throw new InvalidGrant('jti must be a non-empty string, unique to each assertion');
  }
  if (iat > now / 1000 + CLOCK_SKEW_SECONDS) {
    throw new InvalidGrant('iat is in the future: check the clock of the signer');
  }
  if (exp - iat > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw new InvalidGrant('exp must be at most 1 hour after iat');
  }
  return { jti, exp, iat };
}

/** Which check failed, in words. */
function refusalOf(error: InstanceType<typeof joseErrors.JOSEError>, expected: ExpectedAssertion) {
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'The signature of the assertion does not verify with the key its kid names';
  }
  if (error instanceof joseErrors.JWTExpired) return 'The assertion has expired (exp is past)';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `The assertion has no ${error.claim} claim`;
    switch (error.claim) {
      case 'sub':
        return 'sub must be the client_id of the service account, as iss';
      case 'aud':
        return `aud must be the token endpoint, ${expected.tokenUri}`;
      case 'nbf':
        return 'The assertion is not valid yet (nbf is in the future)';
      default:
        return `The ${error.claim} claim of the assertion is invalid`;
    }
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return 'The assertion is signed with an algorithm its key does not use';
  }
  return 'The assertion is malformed';
}

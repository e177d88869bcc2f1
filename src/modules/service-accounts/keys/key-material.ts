import {
  createPublicKey,
  generateKeyPair,
  type JsonWebKey,
  type KeyObject,
  X509Certificate,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyAlgorithm } from './service-account-key.entity';

/**
 * Key pairs and public keys of service accounts: made here, or uploaded and checked here. Pure
 * functions over node:crypto; the private key of a pair made here leaves as PKCS#8 PEM, once.
 */

const generate = promisify(generateKeyPair);

/** RSA moduli an uploaded key may have: NIST's floor, and a ceiling on the cost of a verify. */
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;

/** A public key as stored (`public_jwk`): only the public members, nothing the uploader added. */
export type PublicJwk = JsonWebKey;

export interface PublicKeyMaterial {
  algorithm: KeyAlgorithm;
  jwk: PublicJwk;
}

export interface KeyPairMaterial extends PublicKeyMaterial {
  /** PKCS#8 PEM, for the key file; never stored. */
  privateKeyPem: string;
}

/** Why an uploaded key cannot be used: shown to the uploader (422 at the field). */
export class UnusableKeyError extends Error {}

/**
 * A new key pair, made off the event loop (an RSA-2048 pair takes tens of milliseconds): RS256
 * keys are RSA-2048, ES256 keys EC P-256.
 */
export async function generateKeyMaterial(algorithm: KeyAlgorithm): Promise<KeyPairMaterial> {
  const { publicKey, privateKey } =
    algorithm === 'RS256'
      ? await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
      : await generate('ec', { namedCurve: 'P-256' });
  return {
    algorithm,
    jwk: publicJwkOf(publicKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/**
 * An uploaded public key, as PEM (SubjectPublicKeyInfo, PKCS#1 or an X.509 certificate) or as a
 * JWK, with the algorithm it signs with: RSA (2048 to 8192 bits) signs RS256, EC P-256 ES256.
 * `requested`, when given, must be that algorithm. A private key is refused, never used.
 */
export function importPublicKey(
  input: { pem: string } | { jwk: Record<string, unknown> },
  requested?: KeyAlgorithm,
): PublicKeyMaterial {
  const key = 'pem' in input ? publicKeyOfPem(input.pem) : publicKeyOfJwk(input.jwk);
  const algorithm = algorithmOf(key);
  if (requested !== undefined && requested !== algorithm) {
    throw new UnusableKeyError(`this key signs ${algorithm}, not ${requested}`);
  }
  if ('jwk' in input && input.jwk.alg !== undefined && input.jwk.alg !== algorithm) {
    throw new UnusableKeyError(`this key signs ${algorithm}; its "alg" says otherwise`);
  }
  return { algorithm, jwk: publicJwkOf(key) };
}

/** The KeyObject of a stored public JWK, for verifying with jose (no parsing per verify). */
export function publicKeyObject(jwk: PublicJwk): KeyObject {
  return createPublicKey({ key: jwk, format: 'jwk' });
}

function publicKeyOfPem(pem: string): KeyObject {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new UnusableKeyError(
      'this is a private key: upload the public key only (and treat this one as exposed)',
    );
  }
  try {
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(pem).publicKey;
    return createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new UnusableKeyError('not a PEM public key or certificate');
  }
}

/** RSA and EC private members (RFC 7518 section 6): a JWK with any of them is a private key. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

function publicKeyOfJwk(jwk: Record<string, unknown>): KeyObject {
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) {
    throw new UnusableKeyError(
      'this is a private key: upload the public key only (and treat this one as exposed)',
    );
  }
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    throw new UnusableKeyError('not an RSA or EC public JWK');
  }
}

function algorithmOf(key: KeyObject): KeyAlgorithm {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
      throw new UnusableKeyError(
        `an RSA key must have ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits, not ${bits}`,
      );
    }
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ES256';
  throw new UnusableKeyError('only RSA keys (RS256) and EC P-256 keys (ES256) are supported');
}

/** Only the members that make the public key, in a fixed order. */
function publicJwkOf(key: KeyObject): PublicJwk {
  const jwk = key.export({ format: 'jwk' });
  return jwk.kty === 'RSA'
    ? { kty: 'RSA', n: jwk.n, e: jwk.e }
    : { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
}

import { createSign, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { bitString, oid, sequence, set, time, tlv, unsignedInteger, utf8 } from './der';

/**
 * A self-signed X.509 certificate (RSA, SHA-256) for a key pair made here: what SAML metadata
 * carries to name the SP's signing key, encoded by ./der and checked by node:crypto's own
 * X509Certificate parser before it is used.
 */
export interface SigningKeyPair {
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** The certificate, PEM. */
  certificatePem: string;
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';

export function makeSelfSignedKeyPair(commonName: string, validDays = 3650): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const name = sequence(set(sequence(oid(COMMON_NAME), utf8(commonName))));
  const algorithm = sequence(oid(SHA256_WITH_RSA), Buffer.from([0x05, 0x00]));
  const tbs = sequence(
    tlv(0xa0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(randomBytes(16)),
    algorithm,
    name,
    sequence(time(new Date(now - 60_000)), time(new Date(now + validDays * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = createSign('sha256').update(tbs).sign(privateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  const certificatePem = toPem(der, 'CERTIFICATE');
  // Parsed once: a malformed encoding fails here, not at the IdP.
  new X509Certificate(certificatePem);
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem,
  };
}

export function toPem(der: Buffer, label: string): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

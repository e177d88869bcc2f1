import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedCertificate {
  /** PKCS#8 PEM, unencrypted. */
  privateKeyPem: string;
  certificatePem: string;
  /** The certificate's DER in base64, as SAML metadata's X509Certificate carries it. */
  certificateBase64: string;
}

/**
 * A fresh RSA key and a self-signed certificate for it, made by the openssl command line (Node
 * can parse certificates but not issue them). `altNames` go into subjectAltName, e.g.
 * `['IP:127.0.0.1', 'DNS:idp.test']`, so a TLS client can verify the server by them.
 */
export function selfSignedCertificate(
  commonName: string,
  altNames: readonly string[] = [],
): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2'];
    args.push('-keyout', keyFile, '-out', certFile, '-subj', `/CN=${commonName}`);
    if (altNames.length > 0) args.push('-addext', `subjectAltName=${altNames.join(',')}`);
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const certificatePem = readFileSync(certFile, 'utf8');
    return {
      privateKeyPem: readFileSync(keyFile, 'utf8'),
      certificatePem,
      certificateBase64: certificatePem
        .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
        .replace(/\s+/g, ''),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { SsoRefusal } from './sso-refusal';

/**
 * The XML signature algorithms an ACS accepts: RSA with SHA-256 or SHA-512 (every IdP named in
 * the presets signs with RSA-SHA256 by default). xml-crypto also verifies RSA-SHA1 and SHA-1
 * digests, whose collisions are practical, and node-saml gives no way to narrow its list: the
 * algorithms a response names are checked here before it is verified.
 */
const SIGNATURE_METHODS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const DIGEST_METHODS = new Set([
  'http://www.w3.org/2001/04/xmlenc#sha256',
  'http://www.w3.org/2001/04/xmlenc#sha512',
]);
const METHOD =
  /<(?:[\w.-]+:)?(SignatureMethod|DigestMethod)\b[^>]*?\sAlgorithm\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Refuses a response that names any other signature or digest algorithm. */
export function assertStrongSignatureAlgorithms(xml: string): void {
  for (const [, element, double, single] of xml.matchAll(METHOD)) {
    const allowed = element === 'SignatureMethod' ? SIGNATURE_METHODS : DIGEST_METHODS;
    if (!allowed.has(double ?? single)) throw new SsoRefusal('weak_signature');
  }
}

import { KeyObject, sign } from 'node:crypto';

/**
 * RS256 JWS in compact form (RFC 7515 section 7.1), made with node:crypto directly: the one thing
 * every issued token pays for besides its RSA signature. jose's CompactSign (which this replaces)
 * copied and checked its header, the key's type and modulus on every token and encoded the header
 * again; here the header's segment is encoded once per key and type (RS256HeaderSegments), and
 * the signature is made, as jose made it, by crypto.sign with a callback: on libuv's thread pool,
 * so an instance with several cores signs on all of them while its event loop answers requests.
 */
export function signRs256(
  headerSegment: string,
  claims: object,
  privateKey: KeyObject,
): Promise<string> {
  const signingInput = `${headerSegment}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(signingInput), privateKey, (error, signature) => {
      if (error) reject(error);
      else resolve(`${signingInput}.${signature.toString('base64url')}`);
    });
  });
}

/** The base64url protected header `{"alg":"RS256","kid":…,"typ":…}` of each key and type, made once. */
export class RS256HeaderSegments {
  private readonly segments = new Map<string, string>();

  of(kid: string, type: string): string {
    const name = `${kid} ${type}`;
    let segment = this.segments.get(name);
    if (segment === undefined) {
      segment = Buffer.from(JSON.stringify({ alg: 'RS256', kid, typ: type })).toString('base64url');
      // Keys rotate rarely; a rotation's old segments are simply no longer asked for.
      if (this.segments.size >= 64) this.segments.clear();
      this.segments.set(name, segment);
    }
    return segment;
  }
}

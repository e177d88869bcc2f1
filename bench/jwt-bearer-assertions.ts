// RFC 7523 assertions as a pipeline signs them with its service account's key file: a fresh one
// for every request (each jti is accepted once), signed on the load generator's core.
import { createPrivateKey, randomBytes, sign } from 'node:crypto';

export interface KeyFile {
  client_id: string;
  private_key_id: string;
  private_key: string;
  token_uri: string;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A function returning the next `grant_type=...&assertion=...` body, ES256-signed (~30 µs). */
export function jwtBearerBodies(keyFile: KeyFile): () => string {
  const key = createPrivateKey(keyFile.private_key);
  const header = base64url({ alg: 'ES256', kid: keyFile.private_key_id, typ: 'JWT' });
  const stem = randomBytes(8).toString('hex');
  let counter = 0;
  return () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url({
      iss: keyFile.client_id,
      sub: keyFile.client_id,
      aud: keyFile.token_uri,
      iat: now,
      exp: now + 300,
      jti: `${stem}-${(counter += 1)}`,
    });
    const input = `${header}.${payload}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return (
      'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=' +
      `${input}.${signature.toString('base64url')}`
    );
  };
}

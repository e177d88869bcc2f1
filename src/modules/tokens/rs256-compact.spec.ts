import { compactVerify, decodeProtectedHeader } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { RS256HeaderSegments, signRs256 } from './rs256-compact';

describe('signRs256', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const headers = new RS256HeaderSegments();

  it('makes a compact JWS that jose verifies with the public key, claims and header intact', async () => {
    const claims = { sub: 'client_1', scope: 'translate:read', name: 'Zoë ✓' };
    const token = await signRs256(headers.of('kid-1', 'at+jwt'), claims, privateKey);

    const { payload, protectedHeader } = await compactVerify(token, publicKey);
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual(claims);
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: 'kid-1', typ: 'at+jwt' });
    await expect(compactVerify(token, other.publicKey)).rejects.toThrow();
  });

  it('gives each key and type its own header segment', async () => {
    const token = await signRs256(headers.of('kid-2', 'JWT'), { sub: 'u' }, privateKey);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: 'kid-2', typ: 'JWT' });
    expect(headers.of('kid-2', 'JWT')).toBe(token.split('.')[0]);
    expect(headers.of('kid-2', 'at+jwt')).not.toBe(headers.of('kid-2', 'JWT'));
  });
});

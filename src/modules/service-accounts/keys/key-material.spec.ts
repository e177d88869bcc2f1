import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import {
  generateKeyMaterial,
  importPublicKey,
  publicKeyObject,
  UnusableKeyError,
} from './key-material';

const rsa = (modulusLength: number) => generateKeyPairSync('rsa', { modulusLength });
const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });
const spki = (pair: ReturnType<typeof rsa>) =>
  pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;

describe('service account key material', () => {
  it.each(['RS256', 'ES256'] as const)(
    'makes a %s pair whose PKCS#8 private key signs what the stored public JWK verifies',
    async (algorithm) => {
      const made = await generateKeyMaterial(algorithm);
      expect(made.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(made.jwk).not.toHaveProperty('d');
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: algorithm })
        .sign(createPrivateKey(made.privateKeyPem));
      await expect(
        jwtVerify(jwt, publicKeyObject(made.jwk), { algorithms: [algorithm] }),
      ).resolves.toBeDefined();
    },
  );

  it('makes RSA-2048 for RS256', async () => {
    const made = await generateKeyMaterial('RS256');
    expect(publicKeyObject(made.jwk).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('takes public keys as SPKI or PKCS#1 PEM and as JWK, keeping only the public members', () => {
    const pair = rsa(2048);
    const fromSpki = importPublicKey({ pem: spki(pair) });
    expect(fromSpki.algorithm).toBe('RS256');
    expect(Object.keys(fromSpki.jwk)).toEqual(['kty', 'n', 'e']);
    const pkcs1 = pair.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(importPublicKey({ pem: pkcs1 }).jwk).toEqual(fromSpki.jwk);
    const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'mine', use: 'sig' };
    expect(importPublicKey({ jwk }).jwk).toEqual(fromSpki.jwk);
    const p256 = ec('prime256v1');
    expect(importPublicKey({ jwk: p256.publicKey.export({ format: 'jwk' }) })).toEqual({
      algorithm: 'ES256',
      jwk: expect.objectContaining({ kty: 'EC', crv: 'P-256' }),
    });
  });

  it.each([
    [
      'a private key as PEM',
      () => ({ pem: rsa(2048).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }),
      /private key/,
    ],
    [
      'a private key as JWK',
      () => ({ jwk: ec('prime256v1').privateKey.export({ format: 'jwk' }) }),
      /private key/,
    ],
    ['RSA-1024', () => ({ pem: spki(rsa(1024)) }), /2048 to 8192 bits, not 1024/],
    ['P-384', () => ({ jwk: ec('secp384r1').publicKey.export({ format: 'jwk' }) }), /P-256/],
    [
      'Ed25519',
      () => ({
        pem: generateKeyPairSync('ed25519').publicKey.export({
          type: 'spki',
          format: 'pem',
        }) as string,
      }),
      /only RSA/,
    ],
    [
      'text that is no PEM',
      () => ({ pem: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }),
      /not a PEM/,
    ],
    ['a JWK without its members', () => ({ jwk: { kty: 'RSA' } }), /not an RSA or EC public JWK/],
    ['an oct (HMAC) JWK', () => ({ jwk: { kty: 'oct', k: 'c2VjcmV0' } }), /RSA or EC/],
  ])('refuses %s, saying why', (_name, input, reason) => {
    expect(() => importPublicKey(input())).toThrow(UnusableKeyError);
    expect(() => importPublicKey(input())).toThrow(reason);
  });

  it('refuses a key of another algorithm than the one asked for, or than its JWK "alg"', () => {
    const pem = spki(rsa(2048));
    expect(() => importPublicKey({ pem }, 'ES256')).toThrow('this key signs RS256, not ES256');
    const jwk = { ...ec('prime256v1').publicKey.export({ format: 'jwk' }), alg: 'RS256' };
    expect(() => importPublicKey({ jwk })).toThrow(/its "alg" says otherwise/);
  });
});

import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { OAuthError } from '../../../common/errors/oauth-errors';
import {
  AssertionKey,
  ExpectedAssertion,
  readAssertion,
  remainingValidityMs,
  verifyAssertion,
} from './assertion';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const CLIENT_ID = 'sa_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b';
const NOW = Date.UTC(2026, 0, 1, 12);
const nowSeconds = NOW / 1000;
const expected: ExpectedAssertion = {
  clientId: CLIENT_ID,
  tokenUri: 'https://auth.example/oauth/token',
  issuer: 'https://auth.example',
  now: NOW,
};
const rsaKey = { algorithm: 'RS256' as const, publicKey: rsa.publicKey };

function sign(
  claims: Record<string, unknown> = {},
  options: { alg?: string; kid?: string | null; key?: KeyObject | Uint8Array } = {},
): Promise<string> {
  const header: Record<string, unknown> = { alg: options.alg ?? 'RS256' };
  if (options.kid !== null) header.kid = options.kid ?? 'sak_1';
  return new SignJWT({
    iss: CLIENT_ID,
    sub: CLIENT_ID,
    aud: expected.tokenUri,
    iat: nowSeconds,
    exp: nowSeconds + 300,
    jti: 'j-1',
    ...claims,
  })
    .setProtectedHeader(header as { alg: string })
    .sign(options.key ?? rsa.privateKey);
}

/** The OAuth error an assertion gets, as `error: description`. */
async function refusal(jwt: string, key: AssertionKey = rsaKey): Promise<string> {
  try {
    await verifyAssertion(readAssertion(jwt), key, expected);
  } catch (error) {
    if (error instanceof OAuthError) return `${error.error}: ${error.description}`;
    throw error;
  }
  return 'accepted';
}

describe('service account assertions', () => {
  it('accepts a well-formed assertion and says how long its jti must be remembered', async () => {
    const verified = await verifyAssertion(readAssertion(await sign()), rsaKey, expected);
    expect(verified).toEqual({ jti: 'j-1', iat: nowSeconds, exp: nowSeconds + 300 });
    expect(remainingValidityMs(verified, NOW)).toBe(360_000);
  });

  it('accepts the issuer as audience, an ES256 key, and a clock 60 s apart', async () => {
    expect(await refusal(await sign({ aud: expected.issuer }))).toBe('accepted');
    expect(await refusal(await sign({ aud: ['x', expected.tokenUri] }))).toBe('accepted');
    const es = await sign({}, { alg: 'ES256', key: p256.privateKey });
    expect(await refusal(es, { algorithm: 'ES256', publicKey: p256.publicKey })).toBe('accepted');
    expect(await refusal(await sign({ iat: nowSeconds + 60, exp: nowSeconds + 600 }))).toBe(
      'accepted',
    );
    expect(await refusal(await sign({ iat: nowSeconds - 600, exp: nowSeconds - 30 }))).toBe(
      'accepted',
    );
  });

  it('reads the kid and iss before anything is verified, refusing what is not a JWT', async () => {
    expect(readAssertion(await sign())).toMatchObject({ kid: 'sak_1', issuer: CLIENT_ID });
    for (const junk of ['', 'a.b.c', 'not a jwt', 'x'.repeat(20), 'e30.e30', 'a.b.c.d.e']) {
      expect(() => readAssertion(junk)).toThrow(/not a JWT/);
    }
    expect(() => readAssertion(undefined)).toThrow('assertion is required');
    await expect(sign({}, { kid: null }).then(readAssertion)).rejects.toThrow(/has no kid/);
    await expect(sign({ iss: undefined }).then(readAssertion)).rejects.toThrow(/has no iss/);
  });

  it.each([
    ['an expired one', { iat: nowSeconds - 900, exp: nowSeconds - 61 }, 'has expired'],
    ['exp more than an hour after iat', { exp: nowSeconds + 3601 }, 'at most 1 hour after iat'],
    ['iat in the future', { iat: nowSeconds + 61, exp: nowSeconds + 300 }, 'iat is in the future'],
    [
      'another audience',
      { aud: 'https://elsewhere.example/oauth/token' },
      'aud must be the token endpoint, https://auth.example/oauth/token',
    ],
    ['no audience', { aud: undefined }, 'has no aud claim'],
    ['another subject', { sub: 'sa_other' }, 'sub must be the client_id of the service account'],
    ['no jti', { jti: undefined }, 'has no jti claim'],
    ['an empty jti', { jti: '' }, 'jti must be a non-empty string'],
    ['a jti that is no string', { jti: 7 }, 'jti must be a non-empty string'],
    ['no exp', { exp: undefined }, 'has no exp claim'],
    ['nbf in the future', { nbf: nowSeconds + 600 }, 'not valid yet'],
  ])('refuses %s with invalid_grant, saying so', async (_name, claims, reason) => {
    expect(await refusal(await sign(claims))).toMatch(new RegExp(`^invalid_grant: .*${reason}`));
  });

  it('refuses alg none, HS256 with the public key as the secret, another key and another algorithm', async () => {
    const unsecured = new UnsecuredJWT({ iss: CLIENT_ID, sub: CLIENT_ID, aud: expected.tokenUri })
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 300)
      .setJti('j')
      .encode();
    const withKid = unsecured.replace(
      /^[^.]+/,
      Buffer.from(JSON.stringify({ alg: 'none', kid: 'sak_1' })).toString('base64url'),
    );
    expect(await refusal(withKid)).toBe(
      'invalid_grant: The assertion must be signed with RS256, the algorithm of the key its kid names',
    );
    const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const hs256 = await sign({}, { alg: 'HS256', key: new TextEncoder().encode(publicPem) });
    expect(await refusal(hs256)).toMatch(/^invalid_grant: .*must be signed with RS256/);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(await refusal(await sign({}, { key: other.privateKey }))).toBe(
      'invalid_grant: The signature of the assertion does not verify with the key its kid names',
    );
    const es = await sign({}, { alg: 'ES256', key: p256.privateKey });
    expect(await refusal(es)).toMatch(/must be signed with RS256/);
  });

  it('refuses a signature cut or changed', async () => {
    const jwt = await sign();
    const [header, payload] = jwt.split('.');
    expect(await refusal(`${header}.${payload}.`)).toMatch(/^invalid_grant: /);
    expect(await refusal(`${header}.${payload}.AAAA`)).toMatch(/^invalid_grant: /);
    const forged = Buffer.from(JSON.stringify({ iss: CLIENT_ID, scope: 'admin:*' })).toString(
      'base64url',
    );
    expect(await refusal(`${header}.${forged}.${jwt.split('.')[2]}`)).toMatch(/signature/);
  });
});

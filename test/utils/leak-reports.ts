import { generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import request from 'supertest';
import type { TestApp } from './create-app';

/** A secret scanner's signing key, as GitHub holds one: ECDSA P-256, made for the test. */
export interface TestReporter {
  keyId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function newReporter(keyId = randomBytes(32).toString('hex')): TestReporter {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    keyId,
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** LEAKED_KEY_REPORTER_KEYS for these reporters: `{"<key id>": "<PEM>"}`. */
export function reporterKeysSetting(...reporters: TestReporter[]): string {
  return JSON.stringify(Object.fromEntries(reporters.map((r) => [r.keyId, r.publicKeyPem])));
}

/** Base64 of the DER ECDSA signature (SHA-256) of these exact bytes, as GitHub sends it. */
export function signatureOf(reporter: TestReporter, body: string): string {
  return sign('sha256', Buffer.from(body), {
    key: reporter.privateKey,
    dsaEncoding: 'der',
  }).toString('base64');
}

/** GitHub's headers for `body` signed by `reporter`. */
export function githubSignature(reporter: TestReporter, body: string): Record<string, string> {
  return {
    'Github-Public-Key-Identifier': reporter.keyId,
    'Github-Public-Key-Signature': signatureOf(reporter, body),
  };
}

/** One match in GitHub's report format. */
export const match = (token: string, url = 'https://github.com/acme/app/blob/0123abc/.env') => ({
  token,
  type: 'tessera_api_key',
  url,
  source: 'commit',
});

/** POSTs these exact bytes to the report endpoint, with these headers. */
export function sendReport(
  t: TestApp,
  body: string,
  headers: Record<string, string>,
): request.Test {
  return request(t.http)
    .post('/v1/api-keys/leaked')
    .set('Content-Type', 'application/json')
    .set(headers)
    .send(body);
}

/** Signs and sends a report of these matches (serialized once, signed as sent). */
export function report(t: TestApp, reporter: TestReporter, matches: unknown[]): request.Test {
  const body = JSON.stringify(matches);
  return sendReport(t, body, githubSignature(reporter, body));
}

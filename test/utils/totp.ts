import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import type { TestApp } from './create-app';
import { bearer, TestUser } from './factories';

const STEP_MS = 30_000;
/** The server takes a code of the step before or after its own; a step may also pass meanwhile. */
const STEPS_NEAR_NOW = [-2, -1, 0, 1, 2];

/**
 * `count` six-digit codes none of which is the authenticator's around now. A fixed "wrong" code
 * such as '000000' is one of the three the server takes once in 333,333 tries.
 */
export function wrongTotpCodes(totp: TOTP, count: number): string[] {
  const now = Date.now();
  const near = new Set(
    STEPS_NEAR_NOW.map((step) => totp.generate({ timestamp: now + step * STEP_MS })),
  );
  const codes: string[] = [];
  for (let n = 0; codes.length < count; n++) {
    const code = String(n).padStart(6, '0');
    if (!near.has(code)) codes.push(code);
  }
  return codes;
}

/** Turns on TOTP for `user` (enrol, then a first code): the authenticator that now signs them in. */
export async function enrollTotp(t: TestApp, user: Pick<TestUser, 'accessToken'>): Promise<TOTP> {
  const enrolled = await request(t.http)
    .post('/v1/auth/mfa/totp/enroll')
    .set(bearer(user.accessToken))
    .expect(201);
  const totp = new TOTP({ secret: Secret.fromBase32(enrolled.body.secret) });
  await request(t.http)
    .post('/v1/auth/mfa/totp/verify')
    .set(bearer(user.accessToken))
    .send({ code: totp.generate() })
    .expect(200);
  return totp;
}

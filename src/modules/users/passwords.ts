import { passwordThreads } from './password-threads';

// OWASP's argon2id baseline (19 MiB, 2 passes); about 30 ms here.
// `algorithm: 2` is Algorithm.Argon2id (a const enum, which isolatedModules cannot import).
const OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** On a password thread (password-threads.ts): never on the event loop, nor libuv's pool. */
export function hashPassword(password: string): Promise<string> {
  return passwordThreads().run<string>('hash', [password, OPTIONS]);
}

/**
 * The password hash of a user who has none (made by SSO just-in-time provisioning): like `!` in
 * /etc/shadow, no password matches it. The user signs in through their IdP until they set one.
 */
export const NO_PASSWORD = '!';

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (passwordHash === NO_PASSWORD) {
    // As long as a real check, so the answer's timing does not tell such accounts apart.
    await burnPasswordCheck(password);
    return false;
  }
  try {
    return await passwordThreads().run<boolean>('verify', [passwordHash, password]);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/**
 * A login for an unknown email still verifies a password against a real argon2id hash, so it
 * takes as long as one for a known email and the timing does not reveal which emails exist.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  // Made again if it failed (the password threads were stopped while it ran).
  dummyHash ??= hashPassword('tessera-dummy-password-for-timing').catch((error: unknown) => {
    dummyHash = undefined;
    throw error;
  });
  await verifyPassword(await dummyHash, password);
}

import type { MasterKeyService } from '../../../common/crypto/master-key';
import { ClientSecrets } from './client-secrets';

const secrets = new ClientSecrets({
  derive: () => Buffer.alloc(32, 7),
} as unknown as MasterKeyService);

describe('ClientSecrets', () => {
  it('makes 256-bit secrets and stores only their keyed hash', () => {
    const { secret, hash } = secrets.generate();
    expect(secret).toMatch(/^tcs_[A-Za-z0-9_-]{43}$/);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret.slice(4));
    expect(secrets.matches(secret, hash)).toBe(true);
    expect(secrets.matches(`${secret}x`, hash)).toBe(false);
    expect(secrets.matches(secret, null)).toBe(false);
  });

  it('refuses any other secret once the right one has been accepted (and remembered)', () => {
    const { secret, hash } = secrets.generate();
    expect(secrets.matches(secret, hash)).toBe(true);
    expect(secrets.matches(secret, hash)).toBe(true);
    const oneCharacterOff = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    expect(secrets.matches(oneCharacterOff, hash)).toBe(false);
    expect(secrets.matches(`${secret}x`, hash)).toBe(false);
    expect(secrets.matches('', hash)).toBe(false);
    // Another client's stored hash is not matched by this secret, remembered or not.
    const other = secrets.generate();
    expect(secrets.matches(secret, other.hash)).toBe(false);
    expect(secrets.matches(other.secret, hash)).toBe(false);
  });

  describe('accepts', () => {
    const now = Date.parse('2026-12-06T10:00:00.000Z');
    const current = secrets.generate();
    const previous = secrets.generate();
    const client = (previousSecretExpiresAt: Date | null) => ({
      secretHash: current.hash,
      previousSecretHash: previous.hash,
      previousSecretExpiresAt,
    });

    it('takes the current secret', () => {
      expect(secrets.accepts(client(null), current.secret, now)).toBe(true);
    });

    it('takes the previous secret only until its grace period ends', () => {
      expect(secrets.accepts(client(new Date(now + 1)), previous.secret, now)).toBe(true);
      expect(secrets.accepts(client(new Date(now)), previous.secret, now)).toBe(false);
      expect(secrets.accepts(client(null), previous.secret, now)).toBe(false);
    });

    it('never authenticates a public client (no secret) or an unknown secret', () => {
      const publicClient = {
        secretHash: null,
        previousSecretHash: null,
        previousSecretExpiresAt: null,
      };
      expect(secrets.accepts(publicClient, '', now)).toBe(false);
      expect(secrets.accepts(publicClient, current.secret, now)).toBe(false);
      expect(secrets.accepts(client(new Date(now + 1)), 'tcs_guess', now)).toBe(false);
    });
  });
});

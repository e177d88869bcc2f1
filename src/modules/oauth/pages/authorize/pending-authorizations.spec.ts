import type { ConfigService } from '@nestjs/config';
import { MasterKeyService } from '../../../../common/crypto/master-key';
import type { EnvironmentVariables } from '../../../../config/env.schema';
import { PENDING_AUTHORIZATION_TTL_MS, PendingAuthorizations } from './pending-authorizations';

const config = (key: string) =>
  ({
    get: (name: string) => (name === 'TESSERA_MASTER_KEY' ? key : undefined),
  }) as unknown as ConfigService<EnvironmentVariables, true>;

const pendings = (key = 'a-master-key-for-the-tests-0123456789') =>
  new PendingAuthorizations(new MasterKeyService(config(key)));

const session = { userId: 'u1', sessionId: 's1', authTime: new Date(), amr: ['pwd'] };
const request = {
  clientId: 'client_1',
  redirectUri: 'https://a.example/cb',
  scopes: ['openid'],
  state: 'st',
  nonce: null,
  codeChallenge: 'x'.repeat(43),
};

describe('PendingAuthorizations', () => {
  it('opens what it sealed, for the same browser session, for ten minutes', () => {
    const sealer = pendings();
    const now = 1_700_000_000_000;
    const sealed = sealer.seal(request, session, now);
    expect(sealer.open(sealed, session, now + 1000)).toMatchObject({ ...request, userId: 'u1' });
    expect(sealer.open(sealed, session, now + PENDING_AUTHORIZATION_TTL_MS)).toBeNull();
    expect(sealer.open(sealed, { ...session, sessionId: 's2' }, now)).toBeNull();
    expect(sealer.open(sealed, { ...session, userId: 'u2' }, now)).toBeNull();
  });

  it('opens nothing changed, truncated, or sealed under another master key', () => {
    const sealer = pendings();
    const sealed = sealer.seal(request, session);
    const [version, body, mac] = sealed.split('.');
    const changed = Buffer.from(
      Buffer.from(body, 'base64url').toString().replace('a.example', 'b.example'),
    ).toString('base64url');
    expect(sealer.open(`${version}.${changed}.${mac}`, session)).toBeNull();
    expect(sealer.open(`${version}.${body}`, session)).toBeNull();
    expect(sealer.open(`${sealed}.x`, session)).toBeNull();
    expect(sealer.open(undefined, session)).toBeNull();
    expect(pendings('another-master-key-0123456789abcdef').open(sealed, session)).toBeNull();
  });
});

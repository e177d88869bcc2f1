import type { ConfigService } from '@nestjs/config';
import { MasterKeyService } from '../../common/crypto/master-key';
import type { EnvironmentVariables } from '../../config/env.schema';
import { hashApiKey } from './api-key-format';
import { ApiKeyPepper } from './api-key-pepper';

describe('ApiKeyPepper', () => {
  const masterKey = new MasterKeyService({
    get: (name: string) => (name === 'TESSERA_MASTER_KEY' ? 'k'.repeat(40) : undefined),
  } as unknown as ConfigService<EnvironmentVariables, true>);

  it('hashes a key as hashApiKey does with the derived pepper (what stored keys were hashed with)', () => {
    const pepper = masterKey.derive('api-key-pepper').toString('hex');
    const hasher = new ApiKeyPepper(masterKey);
    for (const key of ['tk_live_abc', 'tk_test_' + 'x'.repeat(60), 'é€']) {
      expect(hasher.hash(key)).toBe(hashApiKey(key, pepper));
    }
    expect(hasher.hash('tk_live_abc')).not.toBe(hasher.hash('tk_live_abd'));
  });
});

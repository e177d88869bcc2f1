import { Injectable } from '@nestjs/common';
import { createHmac, createSecretKey, KeyObject } from 'node:crypto';
import { MasterKeyService } from '../../common/crypto/master-key';

/**
 * The server-side pepper of API key hashes, derived from the master key: a copy of the database
 * alone cannot be used to test guessed keys. Changing the master key invalidates every key.
 */
@Injectable()
export class ApiKeyPepper {
  /**
   * The HMAC key: the bytes of the derived key's hex text, as hashApiKey (api-key-format.ts) keys
   * it. A KeyObject made once, so a look-up does not convert the text into a key again.
   */
  private readonly key: KeyObject;

  constructor(masterKey: MasterKeyService) {
    const pepper = masterKey.derive('api-key-pepper').toString('hex');
    this.key = createSecretKey(Buffer.from(pepper, 'utf8'));
  }

  /** hashApiKey(key, pepper): what the database holds of the key. */
  hash(key: string): string {
    return createHmac('sha256', this.key).update(key).digest('hex');
  }
}

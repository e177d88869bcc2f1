import { Injectable } from '@nestjs/common';
import { MasterKeyService } from '../../common/crypto/master-key';
import { hashApiKey } from './api-key-format';

/**
 * The server-side pepper of API key hashes, derived from the master key: a copy of the database
 * alone cannot be used to test guessed keys. Changing the master key invalidates every key.
 */
@Injectable()
export class ApiKeyPepper {
  private readonly pepper: string;

  constructor(masterKey: MasterKeyService) {
    this.pepper = masterKey.derive('api-key-pepper').toString('hex');
  }

  hash(key: string): string {
    return hashApiKey(key, this.pepper);
  }
}

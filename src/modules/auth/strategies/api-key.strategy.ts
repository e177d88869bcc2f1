import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { ApiKeyPepper } from '../../api-keys/api-key-pepper';
import { ApiKey } from '../../api-keys/api-key.entity';
import { ApiKeysRepository } from '../../api-keys/api-keys.repository';

export const API_KEY_STRATEGY = 'api-key';

/**
 * The guard accepts a key from `Authorization: Bearer`, `X-API-Key` or `?api_key=`; it hands the
 * one it found to this strategy under an internal header, so the strategy reads one place.
 */
export const PRESENTED_API_KEY_HEADER = 'x-tessera-presented-api-key';

/**
 * First verification of an API key: looks its keyed hash up in the database. Runs only on an
 * ApiKeyCache miss; revocation, expiry and IP checks are made on the cached result by the
 * authenticator, identically for hits and misses.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, API_KEY_STRATEGY) {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly pepper: ApiKeyPepper,
  ) {
    super({ header: PRESENTED_API_KEY_HEADER, prefix: '' }, false);
  }

  async validate(presented: string): Promise<ApiKey | false> {
    return (await this.keys.findByHash(this.pepper.hash(presented))) ?? false;
  }
}

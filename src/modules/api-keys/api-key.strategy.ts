import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { PRESENTED_CREDENTIAL_HEADER } from '../../common/auth/run-strategy';
import { ApiKeyPepper } from './api-key-pepper';
import { ApiKeysRepository, VerifiableApiKey } from './api-keys.repository';

export const API_KEY_STRATEGY = 'api-key';

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
    // The guard accepts a key from three transports; the verifier shows the strategy the one it
    // found under one header of a view of the request (run-strategy.ts `presenting`).
    super({ header: PRESENTED_CREDENTIAL_HEADER, prefix: '' }, false);
  }

  async validate(presented: string): Promise<VerifiableApiKey | false> {
    return (await this.keys.findVerifiableByHash(this.pepper.hash(presented))) ?? false;
  }
}

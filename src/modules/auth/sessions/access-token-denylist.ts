import { Injectable } from '@nestjs/common';
import { SessionsRepository } from './sessions.repository';

/**
 * Access tokens ended before their expiry, by `jti`: logged-out user tokens and revoked OAuth
 * tokens share it (and its pruning). Read only on a token cache miss.
 */
@Injectable()
export class AccessTokenDenylist {
  constructor(private readonly sessions: SessionsRepository) {}

  add(jti: string, expiresAt: Date): Promise<void> {
    return this.sessions.denylistAccessToken(jti, expiresAt);
  }

  has(jti: string): Promise<boolean> {
    return this.sessions.isAccessTokenDenylisted(jti);
  }
}

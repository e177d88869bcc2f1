import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { InvalidGrant } from '../../common/errors/oauth-errors';
import { AccessTokensService } from '../tokens/access-tokens.service';
import { UsersService } from '../users/users.service';
import type { OAuthClient } from './storage/oauth-client.entity';
import { userClaims } from './user-claims';

export interface NewIdToken {
  client: OAuthClient;
  userId: string;
  /** The scopes granted: `email` and `profile` add their claims. */
  scopes: readonly string[];
  authTime: Date;
  amr: readonly string[];
  /** The authorization request's nonce; none on a refresh (OIDC Core section 12.2). */
  nonce: string | null;
  /** The access token issued beside it, bound by `at_hash`. */
  accessToken: string;
}

/**
 * OpenID Connect ID tokens (Core sections 2 and 3.1.3.6), signed RS256 by the keys of the JWKS:
 * who the user is (`sub`), for which client (`aud`, `azp`), when and how they signed in
 * (`auth_time`, `amr`), the request's `nonce`, and `at_hash` binding the access token.
 */
@Injectable()
export class IdTokens {
  constructor(
    private readonly tokens: AccessTokensService,
    private readonly users: UsersService,
  ) {}

  async issue(input: NewIdToken): Promise<string> {
    const user = await this.users.findById(input.userId);
    // A deleted user's grants are deleted with them: only a race gets here.
    if (!user) throw new InvalidGrant('The user no longer exists');
    const claims: Record<string, unknown> = {
      auth_time: Math.floor(input.authTime.getTime() / 1000),
      amr: input.amr,
      azp: input.client.id,
      at_hash: accessTokenHash(input.accessToken),
      ...userClaims(user, input.scopes),
    };
    if (input.nonce !== null) claims.nonce = input.nonce;
    return this.tokens.issueIdToken({ subject: user.id, audience: input.client.id, claims });
  }
}

/** The left half of the access token's SHA-256, base64url (RS256's hash: Core section 3.1.3.6). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256')
    .update(accessToken, 'ascii')
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

import { Injectable } from '@nestjs/common';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { AccessTokensService } from '../../../tokens/access-tokens.service';
import { SigningKeysService } from '../../../tokens/signing-keys.service';

/** What an `id_token_hint` tells once verified: whom the RP signed in, and which RP it is. */
export interface IdTokenHint {
  userId: string;
  clientId: string;
}

/** Longer than any ID token Tessera signs. */
const MAX_HINT_LENGTH = 8192;

/**
 * `id_token_hint` of RP-Initiated Logout (section 2): an ID token Tessera issued, verified by
 * its signature under a key of the JWKS and its issuer. An expired one is taken (an RP signs out
 * long after its ID token's hour), as node-oidc-provider takes it. Only an ID token passes: an
 * access token has another `typ` or audience (AccessTokensService.issueIdToken); an ID token's
 * audience is its client, named again by `azp`.
 */
@Injectable()
export class IdTokenHints {
  constructor(
    private readonly signingKeys: SigningKeysService,
    private readonly tokens: AccessTokensService,
  ) {}

  async verify(hint: string): Promise<IdTokenHint | null> {
    if (hint.length > MAX_HINT_LENGTH) return null;
    try {
      const header = decodeProtectedHeader(hint);
      if (header.alg !== 'RS256' || header.typ !== 'JWT' || typeof header.kid !== 'string') {
        return null;
      }
      const key = await this.signingKeys.publicKey(header.kid);
      if (!key) return null;
      const { payload } = await compactVerify(hint, key, { algorithms: ['RS256'] });
      const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
      const { iss, sub, aud, azp, typ } = claims;
      if (iss !== this.tokens.issuer || typ !== undefined) return null;
      if (typeof sub !== 'string' || typeof aud !== 'string' || azp !== aud) return null;
      return { userId: sub, clientId: aud };
    } catch {
      // Not a JWS, not JSON, a bad signature: no hint.
      return null;
    }
  }
}

import { Injectable } from '@nestjs/common';
import { InvalidGrant, InvalidRequest } from '../../../common/errors/oauth-errors';
import type { RequestOrigin } from '../../../common/http/request-origin';
import { MembershipRolesCache } from '../../organizations/membership-roles.cache';
import type { AuthenticatedClient } from '../client-authentication';
import { allowsGrantType } from '../clients/oauth-client-fields';
import { OAuthAuditTrail } from '../oauth-audit-trail';
import { scopeList } from '../oauth-scopes';
import type { AuthorizationCode } from '../storage/authorization-code.entity';
import type { OAuthGrant } from '../storage/oauth-grant.entity';
import type { TokenParameters } from '../token/token-parameters';
import { AuthorizationCodes } from './authorization-codes';
import { FirstPartySessions } from './first-party-sessions';
import { GrantTokens } from './grant-tokens';
import { GrantType, GrantTypeProvider, TokenAnswer, TokenRequest } from './grant-type';
import { OAuthGrants } from './oauth-grants';
import { OAuthRefreshTokens } from './oauth-refresh-tokens';
import { verifierMatches } from './pkce';

/** One answer for every code that cannot be exchanged, so none tells an attacker more. */
const INVALID_CODE = 'The authorization code is invalid, expired or was already used';

/**
 * `authorization_code` (RFC 6749 section 4.1.3, RFC 7636, OIDC Core section 3.1.3): a client
 * exchanges the code the authorization endpoint gave it for the user's tokens. The presenter
 * must prove it is the one the code was issued to (its client, the same redirect_uri, the PKCE
 * verifier) before the code is touched, so an attacker holding an intercepted code can neither
 * use it nor burn it. The code is then claimed once; a used code presented again means it was
 * stolen or replayed, and ends the whole grant (RFC 9700 section 4.2.4, RFC 6749 section 10.5).
 * A first-party client (the console) gets the user's own session instead (FirstPartySessions).
 */
@Injectable()
@GrantTypeProvider()
export class AuthorizationCodeGrant implements GrantType {
  readonly grantType = 'authorization_code';
  readonly parameters = ['code', 'redirect_uri', 'code_verifier'];

  constructor(
    private readonly codes: AuthorizationCodes,
    private readonly grants: OAuthGrants,
    private readonly refreshTokens: OAuthRefreshTokens,
    private readonly roles: MembershipRolesCache,
    private readonly tokens: GrantTokens,
    private readonly firstParty: FirstPartySessions,
    private readonly audit: OAuthAuditTrail,
  ) {}

  async handler({ client, parameters, origin }: TokenRequest): Promise<TokenAnswer> {
    const code = await this.presentedCode(parameters);
    assertIssuedTo(code, client);
    assertSameRedirectUri(code, parameters);
    assertProofKey(code, parameters, client);
    if (code.usedAt !== null) return this.refuseReuse(code, client, origin);
    if (this.codes.isExpired(code)) throw new InvalidGrant(INVALID_CODE);
    const grant = await this.liveGrant(code);
    if (!(await this.codes.claim(code))) return this.refuseReuse(code, client, origin);
    const scopes = scopeList(code.scopes);
    const amr = code.amr.split(' ').filter(Boolean);
    if (client.client.firstParty) {
      return this.firstParty.issue({
        client: client.client,
        grant,
        scopes,
        authTime: code.authTime,
        amr,
        nonce: code.nonce,
        origin,
      });
    }
    return this.tokens.issue({
      grantType: this.grantType,
      client: client.client,
      grant,
      scopes,
      authTime: code.authTime,
      amr,
      nonce: code.nonce,
      refreshToken: wantsRefreshToken(client, scopes)
        ? { scopes, expiresAt: this.refreshTokens.familyEnd() }
        : null,
      origin,
    });
  }

  private async presentedCode(parameters: TokenParameters): Promise<AuthorizationCode> {
    if (parameters.code === undefined) throw new InvalidRequest('code is required');
    const code = await this.codes.find(parameters.code);
    if (!code) throw new InvalidGrant(INVALID_CODE);
    return code;
  }

  /** The grant must not have ended since the code was issued, nor the user left the organization. */
  private async liveGrant(code: AuthorizationCode): Promise<OAuthGrant> {
    const grant = await this.grants.find(code.grantId);
    if (!grant) throw new InvalidGrant(INVALID_CODE);
    if (!(await this.roles.roleOf(grant.userId, grant.organizationId))) {
      throw new InvalidGrant('The user is no longer a member of the organization');
    }
    return grant;
  }

  /** A used code again: whoever presents it, every token of its grant ends before the answer. */
  private async refuseReuse(
    code: AuthorizationCode,
    client: AuthenticatedClient,
    origin: RequestOrigin,
  ): Promise<never> {
    const grant = await this.grants.find(code.grantId);
    if (grant) {
      await this.grants.end(grant, 'authorization_code_reused', { client: client.client, origin });
      this.audit.reuseDetected(client.client, {
        tokenType: 'authorization_code',
        grantId: grant.id,
        userId: grant.userId,
        origin,
      });
    }
    throw new InvalidGrant(INVALID_CODE);
  }
}

/** RFC 6749 section 4.1.3: the code was issued to the authenticated client. */
function assertIssuedTo(code: AuthorizationCode, client: AuthenticatedClient): void {
  if (code.clientId !== client.client.id) throw new InvalidGrant(INVALID_CODE);
}

/** RFC 6749 section 4.1.3: the same redirect_uri as the authorization request, exactly. */
function assertSameRedirectUri(code: AuthorizationCode, parameters: TokenParameters): void {
  if (parameters.redirect_uri === undefined) throw new InvalidRequest('redirect_uri is required');
  if (parameters.redirect_uri !== code.redirectUri) {
    throw new InvalidGrant('redirect_uri does not match the authorization request');
  }
}

/**
 * RFC 7636 section 4.6: a code issued with a challenge needs its verifier. One issued without
 * (a confidential client that sent none) takes no verifier either: accepting one would let a
 * request made without PKCE pass for one made with it (a downgrade). A public client proves
 * nothing else, so its code must have a challenge (the authorization endpoint requires one).
 */
function assertProofKey(
  code: AuthorizationCode,
  parameters: TokenParameters,
  client: AuthenticatedClient,
): void {
  const verifier = parameters.code_verifier;
  if (code.codeChallenge === null) {
    if (client.method === 'none') throw new InvalidGrant('A public client must use PKCE');
    if (verifier !== undefined) {
      throw new InvalidGrant('code_verifier given for a code issued without code_challenge');
    }
    return;
  }
  if (verifier === undefined) throw new InvalidGrant('code_verifier is required');
  if (!verifierMatches(verifier, code.codeChallenge)) {
    throw new InvalidGrant('code_verifier does not match the code_challenge');
  }
}

/** A refresh token for clients that asked for offline access or are registered to refresh. */
function wantsRefreshToken(client: AuthenticatedClient, scopes: readonly string[]): boolean {
  return scopes.includes('offline_access') || allowsGrantType(client.client, 'refresh_token');
}

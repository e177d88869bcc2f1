import { Injectable } from '@nestjs/common';
import { ScopeCatalogue } from '../../../common/auth/scope-catalogue';
import { AccessTokensService } from '../../tokens/access-tokens.service';
import { CLIENT_AUTHENTICATION_METHODS } from '../client-authentication';
import { OIDC_SCOPES } from '../oidc-scopes';
import { PROMPT_VALUES } from '../pages/authorize/authorization-request';
import { TokenEndpoint } from '../token/token-endpoint';
import { RELEASABLE_CLAIMS } from '../user-claims';

/** What every ID token says (IdTokens), whatever the scopes; `nonce` when the request sent one. */
const ID_TOKEN_CLAIMS = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'amr',
  'azp',
  'at_hash',
] as const;

/**
 * The authorization server's metadata (RFC 8414) and OpenID Connect discovery document: the
 * same object at both well-known paths, built once from the issuer and what is registered.
 */
@Injectable()
export class Discovery {
  private document?: Record<string, unknown>;

  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly tokenEndpoint: TokenEndpoint,
    private readonly scopes: ScopeCatalogue,
  ) {}

  metadata(): Record<string, unknown> {
    this.document ??= this.build();
    return this.document;
  }

  private build(): Record<string, unknown> {
    const issuer = this.accessTokens.issuer;
    const at = (path: string) => `${issuer.replace(/\/+$/, '')}${path}`;
    return {
      issuer,
      authorization_endpoint: at('/oauth/authorize'),
      token_endpoint: at('/oauth/token'),
      jwks_uri: at('/.well-known/jwks.json'),
      revocation_endpoint: at('/oauth/revoke'),
      introspection_endpoint: at('/oauth/introspect'),
      userinfo_endpoint: at('/oauth/userinfo'),
      end_session_endpoint: at('/oauth/logout'),
      grant_types_supported: this.tokenEndpoint.grantTypes(),
      token_endpoint_auth_methods_supported: CLIENT_AUTHENTICATION_METHODS,
      revocation_endpoint_auth_methods_supported: CLIENT_AUTHENTICATION_METHODS,
      introspection_endpoint_auth_methods_supported: CLIENT_AUTHENTICATION_METHODS.filter(
        (method) => method !== 'none',
      ),
      scopes_supported: [...OIDC_SCOPES, ...this.scopes.all],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: [...ID_TOKEN_CLAIMS, ...RELEASABLE_CLAIMS],
      authorization_response_iss_parameter_supported: true,
      prompt_values_supported: PROMPT_VALUES,
      // Request objects are not taken (OIDC Discovery makes request_uri's default true).
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    };
  }
}

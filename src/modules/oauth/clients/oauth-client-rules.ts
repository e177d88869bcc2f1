import { principalHasScope } from '../../../common/auth/authorization';
import type { Principal } from '../../../common/auth/principal';
import type { ScopeCatalogue } from '../../../common/auth/scope-catalogue';
import {
  ForbiddenError,
  RequestValidationError,
  ValidationIssue,
} from '../../../common/errors/api-errors';
import type { OAuthClientType } from '../storage/oauth-client.entity';
import { ClientGrantType, isOidcScope } from './oauth-client-fields';
import { redirectUriKind } from './redirect-uri';

/** The rules of a client's settings, apart from the service that applies them (pure functions). */

export interface ClientSettings {
  clientType: OAuthClientType;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: ClientGrantType[];
  scopes: string[];
}

/** Each entry once, in the order first given. */
export const unique = <T>(list: readonly T[]): T[] => [...new Set(list)];

/**
 * The rules between fields, on the settings as they would be stored (after an update, the
 * client's own merged with the change): 422 at the field, as the DTO's rules answer.
 */
export function assertCoherent(settings: ClientSettings): void {
  const issues: ValidationIssue[] = [];
  const grants = settings.grantTypes;
  if (settings.clientType === 'public' && grants.includes('client_credentials')) {
    issues.push({
      loc: ['body', 'grant_types'],
      msg: 'a public client cannot use client_credentials: it has no secret to authenticate with',
      type: 'value_error.grant_type',
    });
  }
  if (grants.includes('refresh_token') && !grants.includes('authorization_code')) {
    issues.push({
      loc: ['body', 'grant_types'],
      msg: 'refresh_token needs authorization_code: refresh tokens are only issued to users’ grants',
      type: 'value_error.grant_type',
    });
  }
  if (grants.includes('authorization_code') && settings.redirectUris.length === 0) {
    issues.push({
      loc: ['body', 'redirect_uris'],
      msg: 'at least one redirect URI is needed for the authorization_code grant',
      type: 'value_error.list.min_items',
    });
  }
  if (settings.clientType === 'confidential') {
    issues.push(
      ...privateUseIssues('redirect_uris', settings.redirectUris),
      ...privateUseIssues('post_logout_redirect_uris', settings.postLogoutRedirectUris),
    );
  }
  if (issues.length) throw new RequestValidationError(issues);
}

/** A private-use scheme is a native app's: only a public client may register one. */
function privateUseIssues(field: string, uris: string[]): ValidationIssue[] {
  return uris.flatMap((uri, index) =>
    redirectUriKind(uri) === 'private_use'
      ? [
          {
            loc: ['body', field, index],
            msg: 'a private-use URI scheme is for public (native) clients only',
            type: 'value_error.url',
          },
        ]
      : [],
  );
}

/** The scopes, each once; an unknown one is a 422 at its index. */
export function knownScopes(scopes: string[], catalogue: ScopeCatalogue): string[] {
  catalogue.assertKnown(scopes, 'scopes', isOidcScope);
  return unique(scopes);
}

/**
 * No credential gives a client power it lacks itself: every scope but the OpenID Connect ones
 * (which ask for the user's identity, not for the API) must be the caller's.
 */
export function assertCallerMayGrant(caller: Principal, scopes: readonly string[]): void {
  const beyond = scopes.filter((scope) => !isOidcScope(scope) && !principalHasScope(caller, scope));
  if (beyond.length) {
    throw new ForbiddenError(
      `Cannot grant scopes you do not have: ${beyond.join(', ')}`,
      'scope_escalation',
    );
  }
}

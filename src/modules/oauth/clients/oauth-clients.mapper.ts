import type { OAuthClient } from '../storage/oauth-client.entity';
import type { OAuthClientDto } from './dto/oauth-client.dto';
import {
  grantTypesOf,
  postLogoutRedirectUrisOf,
  redirectUrisOf,
  scopesOf,
} from './oauth-client-fields';

/** The one place an OAuthClient entity becomes what callers see; no secret hash ever leaves. */
export function toOAuthClientDto(client: OAuthClient, now = Date.now()): OAuthClientDto {
  const previousSecretExpires = client.previousSecretExpiresAt;
  return {
    client_id: client.id,
    name: client.name,
    client_type: client.clientType,
    redirect_uris: redirectUrisOf(client),
    post_logout_redirect_uris: postLogoutRedirectUrisOf(client),
    grant_types: grantTypesOf(client),
    scopes: scopesOf(client),
    organization_id: client.organizationId,
    created: client.createdAt.toISOString(),
    updated: client.updatedAt.toISOString(),
    // A grace period that ended is no longer news.
    previous_secret_expires_at:
      previousSecretExpires && previousSecretExpires.getTime() > now
        ? previousSecretExpires.toISOString()
        : null,
  };
}

import { DiscoveryService } from '@nestjs/core';
import type { OAuthAccessTokenClaims } from '../../tokens/access-tokens.service';

/** An access token that verified, with the scopes it acts with now. */
export interface IntrospectedToken {
  claims: OAuthAccessTokenClaims;
  scopes: readonly string[];
}

/**
 * Access tokens that another module issues at the token endpoint (service accounts' JWT bearer
 * grant: `client_id` an account's id, not an OAuth client's), which introspection describes as
 * it describes the OAuth clients' own. Found at boot by `@IntrospectableTokensProvider()`.
 */
export interface IntrospectableTokens {
  /** Whether tokens naming this `client_id` are this provider's to verify. */
  issuesFor(clientId: string): boolean;
  /** The token's claims and current scopes if it is valid now; null otherwise. */
  validate(token: string): Promise<IntrospectedToken | null>;
}

export const IntrospectableTokensProvider =
  DiscoveryService.createDecorator<Record<string, never>>();

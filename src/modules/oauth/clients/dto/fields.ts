import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString } from 'class-validator';
import { EachEntry } from '../../../../common/validation/each-entry';
import { MaxChars } from '../../../../common/validation/max-chars';
import { Omittable } from '../../../../common/validation/omittable';
import { CLIENT_GRANT_TYPES } from '../oauth-client-fields';
import { MAX_REDIRECT_URI_CHARS, MAX_REDIRECT_URIS, redirectUriKind } from '../redirect-uri';

/** The fields of a client's settings, validated and documented in one place for create and update. */

export const REDIRECT_URI_RULES =
  'Absolute URIs, matched exactly: https, http only on a loopback host (127.0.0.1, [::1], ' +
  'localhost), or for public clients a private-use scheme (com.example.app:/callback); no ' +
  'fragment, no credentials, no wildcard; ASCII (percent-encode the rest).';

/**
 * A list of redirect URIs: at most 20, each at most 2000 characters and acceptable to some
 * client (a private-use scheme on a confidential client is the service's to refuse, knowing the
 * type). A bad entry is reported at its index.
 */
export function RedirectUriList(description: string) {
  return applyDecorators(
    ApiPropertyOptional({
      type: [String],
      maxItems: MAX_REDIRECT_URIS,
      description: `${description} ${REDIRECT_URI_RULES}`,
      example: ['https://app.example.com/callback'],
    }),
    Omittable(),
    IsArray(),
    ArrayMaxSize(MAX_REDIRECT_URIS),
    IsString({ each: true }),
    MaxChars(MAX_REDIRECT_URI_CHARS, { each: true }),
    EachEntry({
      name: 'url',
      message: `value is not an allowed redirect URI. ${REDIRECT_URI_RULES}`,
      check: (entry) => typeof entry === 'string' && redirectUriKind(entry) !== null,
    }),
  );
}

export function GrantTypeList(docs: { default?: string[] } = {}) {
  return applyDecorators(
    ApiPropertyOptional({
      type: [String],
      enum: CLIENT_GRANT_TYPES,
      minItems: 1,
      ...docs,
      description: 'The JWT bearer grant is for service accounts, not clients.',
    }),
    Omittable(),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(CLIENT_GRANT_TYPES.length * 2),
    EachEntry({
      name: 'grant_type',
      message: `value is not a grant type a client may use (${CLIENT_GRANT_TYPES.join(', ')})`,
      check: (entry) => (CLIENT_GRANT_TYPES as readonly unknown[]).includes(entry),
    }),
  );
}

const SCOPES_DESCRIPTION =
  'The most the client may ask for: scopes of the catalogue the caller holds itself, and the ' +
  'OpenID Connect scopes openid, profile, email, offline_access.';

/** `scopes`, required when registering a client. */
export function ScopeList() {
  return applyDecorators(
    ApiProperty({
      type: [String],
      minItems: 1,
      maxItems: 100,
      description: SCOPES_DESCRIPTION,
      example: ['openid', 'profile', 'translate:read'],
    }),
    ...scopeRules(),
  );
}

/** `scopes` in an update: left out, the client keeps its own. */
export function OptionalScopeList() {
  return applyDecorators(
    ApiPropertyOptional({
      type: [String],
      minItems: 1,
      maxItems: 100,
      description: SCOPES_DESCRIPTION,
    }),
    Omittable(),
    ...scopeRules(),
  );
}

function scopeRules() {
  return [
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(100),
    IsString({ each: true }),
    MaxChars(100, { each: true }),
  ];
}

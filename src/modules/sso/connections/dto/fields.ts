import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsString,
  MinLength,
} from 'class-validator';
import { EachEntry } from '../../../../common/validation/each-entry';
import { MaxChars } from '../../../../common/validation/max-chars';
import { Omittable } from '../../../../common/validation/omittable';
import { isDomainName } from '../email-domains';
import { MAPPED_ATTRIBUTES } from '../provider-presets';

/** The roles SSO may give: never `owner`, which only an owner hands out, by hand. */
export const SSO_ROLES = ['admin', 'member', 'viewer'] as const;
export type SsoRole = (typeof SSO_ROLES)[number];

export const MAX_DOMAINS = 20;
export const MAX_CERTIFICATE_CHARS = 16_384;
export const MAX_METADATA_XML_CHARS = 65_536;
export const MAX_URL_CHARS = 2048;
export const MAX_REDIRECT_URLS = 20;

/** The fields of a connection's settings, validated and documented once for create and update. */

export function DomainList(required: boolean) {
  return applyDecorators(
    (required ? ApiProperty : ApiPropertyOptional)({
      type: [String],
      minItems: 1,
      maxItems: MAX_DOMAINS,
      description:
        'Email domains whose users sign in through this IdP, each claimed pending until verified ' +
        '(domain_claims). A domain another connection has verified is refused (409); consumer ' +
        'mail domains (gmail.com, outlook.com…) are refused (422).',
      example: ['corp.example'],
    }),
    ...(required ? [] : [Omittable()]),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(MAX_DOMAINS),
    IsString({ each: true }),
    MaxChars(253, { each: true }),
    EachEntry({
      name: 'domain',
      message: 'value is not a domain name (e.g. corp.example)',
      check: (entry) => typeof entry === 'string' && isDomainName(entry),
    }),
  );
}

export function OptionalUrl(description: string, example: string) {
  return applyDecorators(
    ApiPropertyOptional({ description, example, maxLength: MAX_URL_CHARS }),
    Omittable(),
    IsString(),
    MinLength(1),
    MaxChars(MAX_URL_CHARS),
  );
}

export function OptionalText(description: string, max: number) {
  return applyDecorators(
    ApiPropertyOptional({ description, maxLength: max }),
    Omittable(),
    IsString(),
    MinLength(1),
    MaxChars(max),
  );
}

export function OptionalFlag(description: string) {
  return applyDecorators(ApiPropertyOptional({ description }), Omittable(), IsBoolean());
}

export function AttributeMappingField() {
  return applyDecorators(
    ApiPropertyOptional({
      description:
        `The IdP's attribute name for each of ${MAPPED_ATTRIBUTES.join(', ')}; given ones replace ` +
        'the provider preset’s. Without an email attribute the NameID is the email.',
      example: { email: 'email', groups: 'groups' },
      type: 'object',
      additionalProperties: { type: 'string' },
    }),
    Omittable(),
    IsObject(),
  );
}

export function GroupRoleMappingField() {
  return applyDecorators(
    ApiPropertyOptional({
      description:
        'Role by IdP group (the groups attribute); the strongest matching role wins, else default_role.',
      example: { 'tessera-admins': 'admin' },
      type: 'object',
      additionalProperties: { type: 'string', enum: [...SSO_ROLES] },
    }),
    Omittable(),
    IsObject(),
  );
}

export function DefaultRoleField() {
  return applyDecorators(
    ApiPropertyOptional({ enum: SSO_ROLES, default: 'member' }),
    Omittable(),
    IsIn(SSO_ROLES),
  );
}

export function RedirectUrlList() {
  return applyDecorators(
    ApiPropertyOptional({
      type: [String],
      maxItems: MAX_REDIRECT_URLS,
      description:
        'Absolute https URLs a RelayState may send the browser to after sign-in (exact match), ' +
        'besides paths on this server.',
    }),
    Omittable(),
    IsArray(),
    ArrayMaxSize(MAX_REDIRECT_URLS),
    IsString({ each: true }),
    MaxChars(MAX_URL_CHARS, { each: true }),
    EachEntry({
      name: 'url',
      message: 'value is not an absolute https URL without a fragment',
      check: (entry) => typeof entry === 'string' && isHttpsUrl(entry),
    }),
  );
}

export function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.hash && !url.username && !url.password;
  } catch {
    return false;
  }
}

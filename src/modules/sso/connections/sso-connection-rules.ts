import {
  ConflictError,
  RequestValidationError,
  ValidationIssue,
} from '../../../common/errors/api-errors';
import { SSO_ROLES, SsoRole } from './dto/fields';
import { isConsumerDomain, normalizedDomain } from './email-domains';
import { AttributeMapping, MAPPED_ATTRIBUTES } from './provider-presets';

const MAX_ATTRIBUTE_NAME_CHARS = 256;
const MAX_GROUPS = 100;

/** The rules a DTO's decorators cannot say, each a 422 at its field (or a 409 for a claim). */

export function invalid(loc: (string | number)[], msg: string, type = 'value_error'): never {
  throw new RequestValidationError([{ loc: ['body', ...loc], msg, type }]);
}

/** Lower-case, unique domains; consumer mail domains refused at their index. */
export function acceptableDomains(domains: string[]): string[] {
  const issues: ValidationIssue[] = [];
  const normalized = domains.map(normalizedDomain);
  normalized.forEach((domain, index) => {
    if (isConsumerDomain(domain)) {
      issues.push({
        loc: ['body', 'domains', index],
        msg: `${domain} is a consumer mail domain: anyone can have an address there, so no organization can claim it`,
        type: 'value_error.consumer_domain',
      });
    }
  });
  if (issues.length) throw new RequestValidationError(issues);
  return [...new Set(normalized)];
}

export function domainsClaimedElsewhere(domains: string[]): ConflictError {
  return new ConflictError(
    `Domain already claimed by another SSO connection: ${domains.join(', ')}`,
    'domain_claimed',
  );
}

/** Only the known attributes, each an attribute name of 1-256 characters. */
export function acceptableAttributeMapping(mapping: Record<string, unknown>): AttributeMapping {
  const result: AttributeMapping = {};
  for (const [key, value] of Object.entries(mapping)) {
    if (!(MAPPED_ATTRIBUTES as readonly string[]).includes(key)) {
      invalid(
        ['attribute_mapping', key],
        `unknown attribute; known: ${MAPPED_ATTRIBUTES.join(', ')}`,
      );
    }
    if (typeof value !== 'string' || value.length < 1 || value.length > MAX_ATTRIBUTE_NAME_CHARS) {
      invalid(['attribute_mapping', key], 'value must be an attribute name of 1-256 characters');
    }
    result[key as keyof AttributeMapping] = value;
  }
  return result;
}

/** At most 100 groups, each naming a role SSO may give (never owner). */
export function acceptableGroupRoleMapping(
  mapping: Record<string, unknown>,
): Record<string, SsoRole> {
  const entries = Object.entries(mapping);
  if (entries.length > MAX_GROUPS) {
    invalid(['group_role_mapping'], `at most ${MAX_GROUPS} groups`, 'value_error.list.max_items');
  }
  for (const [group, role] of entries) {
    if (group.length < 1 || group.length > MAX_ATTRIBUTE_NAME_CHARS) {
      invalid(['group_role_mapping', group], 'a group name has 1-256 characters');
    }
    if (!(SSO_ROLES as readonly unknown[]).includes(role)) {
      invalid(['group_role_mapping', group], `role must be one of ${SSO_ROLES.join(', ')}`);
    }
  }
  return Object.fromEntries(entries) as Record<string, SsoRole>;
}

/**
 * An IdP URL the browser is sent to: https, or http on a loopback host (an IdP on the
 * operator's own machine, as in development).
 */
export function isIdpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.username || url.password || url.hash) return false;
    if (url.protocol === 'https:') return true;
    return (
      url.protocol === 'http:' &&
      ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname.toLowerCase())
    );
  } catch {
    return false;
  }
}

import type { Profile } from '@node-saml/node-saml';
import { domainOfEmail } from '../connections/email-domains';
import { attributeMappingOf, domainsOf } from '../connections/sso-connection-fields';
import type { SsoConnection } from '../connections/sso-connection.entity';
import { SsoRefusal } from './sso-refusal';

/** Who the IdP says signed in, read from the verified assertion by the connection's mapping. */
export interface SsoIdentity {
  email: string;
  fullName: string;
  groups: string[];
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]{1,255}$/;
const MAX_NAME_CHARS = 200;

/**
 * The email (the mapped attribute, else the NameID), which must lie in one of the connection's
 * domains: an IdP may speak only for its organization's domains, never for another's users;
 * the name and the groups (for the role mapping).
 */
export function identityOf(profile: Profile, connection: SsoConnection): SsoIdentity {
  const mapping = attributeMappingOf(connection);
  const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
  const read = (name: string | undefined) => (name ? strings(attributes[name]) : []);

  const email = (read(mapping.email)[0] ?? profile.nameID ?? '').trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 320) throw new SsoRefusal('no_email');
  const domain = domainOfEmail(email);
  // As written, not as normalised: `a@corp.example.` would be another account than `a@corp.example`.
  if (domain !== null && !email.endsWith(`@${domain}`)) throw new SsoRefusal('no_email');
  if (!domain || !domainsOf(connection).includes(domain)) {
    throw new SsoRefusal('email_outside_domains');
  }

  const given = [read(mapping.first_name)[0], read(mapping.last_name)[0]].filter(Boolean);
  const fullName = (read(mapping.full_name)[0] ?? given.join(' ')).trim() || email.split('@')[0];
  return {
    email,
    fullName: [...fullName].slice(0, MAX_NAME_CHARS).join(''),
    groups: read(mapping.groups),
  };
}

/** An attribute's text values: one or several; values with child elements are ignored. */
function strings(value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** The IdPs a connection may name; each brings the attribute names that IdP sends by default. */
export const SSO_PROVIDERS = [
  'okta',
  'azure_ad',
  'google_workspace',
  'onelogin',
  'ping_identity',
  'custom_saml',
] as const;
export type SsoProvider = (typeof SSO_PROVIDERS)[number];

/** What Tessera reads from an assertion, by the IdP's attribute name for it. */
export const MAPPED_ATTRIBUTES = [
  'email',
  'first_name',
  'last_name',
  'full_name',
  'groups',
] as const;
export type MappedAttribute = (typeof MAPPED_ATTRIBUTES)[number];
export type AttributeMapping = Partial<Record<MappedAttribute, string>>;

const AZURE_CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

/**
 * The attribute names each IdP uses out of the box (its documentation's SAML app template); a
 * connection's own `attribute_mapping` overrides them one by one. Without an email attribute the
 * NameID is the email (Google Workspace sends the primary email there).
 */
const PRESET_MAPPINGS: Readonly<Record<SsoProvider, AttributeMapping>> = {
  okta: { email: 'email', first_name: 'firstName', last_name: 'lastName', groups: 'groups' },
  azure_ad: {
    email: `${AZURE_CLAIMS}/emailaddress`,
    first_name: `${AZURE_CLAIMS}/givenname`,
    last_name: `${AZURE_CLAIMS}/surname`,
    full_name: 'http://schemas.microsoft.com/identity/claims/displayname',
    groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
  },
  google_workspace: { first_name: 'firstName', last_name: 'lastName', groups: 'groups' },
  onelogin: {
    email: 'User.email',
    first_name: 'User.FirstName',
    last_name: 'User.LastName',
    groups: 'memberOf',
  },
  ping_identity: { email: 'mail', first_name: 'givenName', last_name: 'sn', groups: 'memberOf' },
  custom_saml: { email: 'email', first_name: 'firstName', last_name: 'lastName', groups: 'groups' },
};

export function presetMapping(provider: SsoProvider): AttributeMapping {
  return { ...PRESET_MAPPINGS[provider] };
}

/**
 * The audiences an assertion may name for this SP: its entity ID; for Azure AD also the `spn:`
 * form, which Entra ID writes when the application's identifier is given that way.
 */
export function acceptedAudiences(provider: SsoProvider, spEntityId: string): string[] {
  return provider === 'azure_ad' ? [spEntityId, `spn:${spEntityId}`] : [spEntityId];
}

import { ADMIN_SCOPE } from '../../../../common/auth/scopes';

/** What the consent page says a scope lets the application do, in words for a person. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Know who you are on Tessera',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Keep this access while you are not using the app',
  'translate:read': 'See translations',
  'translate:write': 'Create translations',
  'documents:read': 'See documents',
  'documents:write': 'Upload and change documents',
  'models:read': 'See the available models',
  'models:download': 'Download models',
  'compliance:read': 'Read the audit log',
  'api_keys:read': 'See API keys',
  'api_keys:write': 'Create, change and revoke API keys',
  'service_accounts:read': 'See service accounts',
  'service_accounts:write': 'Create, change and delete service accounts',
  'sso:read': 'See single sign-on settings',
  'sso:write': 'Change single sign-on settings',
  'organizations:read': 'See the organization and its members',
  'organizations:write': 'Change the organization and its members',
  'oauth_clients:read': 'See the organization’s OAuth applications',
  'oauth_clients:write': 'Register and change OAuth applications',
  [ADMIN_SCOPE]: 'Do anything you can do in the organization',
};

/** The verb a scope's action stands for, for scopes the table does not know (TESSERA_EXTRA_SCOPES). */
const ACTIONS: Readonly<Record<string, string>> = {
  read: 'See',
  write: 'Create and change',
  '*': 'Full access to',
};

export interface DescribedScope {
  scope: string;
  description: string;
}

/**
 * Each scope with its description: the table's, or one made from a scope's `resource:action`
 * shape (`reports:read` is "See reports", `reports:export` "Export reports"), or, for a name of
 * another shape, a generic sentence naming it. Identity scopes first, in OpenID Connect's order.
 */
export function describeScopes(scopes: readonly string[]): DescribedScope[] {
  const identity = ['openid', 'profile', 'email', 'offline_access'];
  const ordered = [
    ...identity.filter((scope) => scopes.includes(scope)),
    ...scopes.filter((scope) => !identity.includes(scope)),
  ];
  return ordered.map((scope) => ({ scope, description: describeScope(scope) }));
}

export function describeScope(scope: string): string {
  const known = DESCRIPTIONS[scope];
  if (known) return known;
  const match = /^([a-z0-9_]+):([a-z0-9_*]+)$/i.exec(scope);
  if (!match) return `Use the “${scope}” permission`;
  const [, resource, action] = match;
  const things = resource.replace(/_/g, ' ');
  const verb = ACTIONS[action] ?? capitalized(action.replace(/_/g, ' '));
  return `${verb} ${things}`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

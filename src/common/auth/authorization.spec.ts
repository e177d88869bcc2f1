import { principalHasPermission } from './authorization';
import { definePermissions } from './permissions';
import type { UserPrincipal } from './principal';

describe('principalHasPermission for users', () => {
  const Widgets = definePermissions({
    write: { name: 'widgets.write', scope: 'widgets:write', roles: ['owner', 'admin', 'member'] },
  });
  const user = (overrides: Partial<UserPrincipal>): UserPrincipal => ({
    type: 'user',
    subject: 'user-1',
    organizationId: 'org-1',
    role: 'member',
    scopes: [],
    expiresAt: null,
    rateLimitPerHour: null,
    sessionId: 'session-1',
    tokenId: 'jti-1',
    mfa: false,
    ...overrides,
  });
  const delegatedTo = { clientId: 'client_1', grantId: 'grant-1', identityScopes: [] };

  it('gives a signed-in user what the role holds, whatever the token’s scopes', () => {
    expect(principalHasPermission(user({ scopes: [] }), Widgets.write)).toBe(true);
    expect(principalHasPermission(user({ role: 'viewer' }), Widgets.write)).toBe(false);
  });

  it('gives an application acting for the user only what the role holds and the user consented to', () => {
    const consented = user({ sessionId: null, delegatedTo, scopes: ['widgets:write'] });
    expect(principalHasPermission(consented, Widgets.write)).toBe(true);
    const notConsented = user({ sessionId: null, delegatedTo, scopes: ['widgets:read'] });
    expect(principalHasPermission(notConsented, Widgets.write)).toBe(false);
    const viewer = user({
      sessionId: null,
      delegatedTo,
      role: 'viewer',
      scopes: ['widgets:write'],
    });
    expect(principalHasPermission(viewer, Widgets.write)).toBe(false);
  });
});

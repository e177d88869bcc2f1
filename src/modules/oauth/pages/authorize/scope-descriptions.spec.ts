import { defaultScopeCatalogue } from '../../../../common/auth/scopes';
import { OIDC_SCOPES } from '../../oidc-scopes';
import { describeScope, describeScopes } from './scope-descriptions';

describe('scope descriptions', () => {
  it('describes every scope of the default catalogue and of OpenID Connect in words of its own', () => {
    const scopes = [...OIDC_SCOPES, ...defaultScopeCatalogue()];
    const descriptions = scopes.map(describeScope);
    expect(new Set(descriptions).size).toBe(scopes.length);
    for (const description of descriptions) expect(description).not.toMatch(/permission”$|_/);
    expect(describeScope('translate:read')).toBe('See translations');
  });

  it('makes a description for an extra catalogue scope from its shape, or names it', () => {
    expect(describeScope('reports:read')).toBe('See reports');
    expect(describeScope('billing_accounts:write')).toBe('Create and change billing accounts');
    expect(describeScope('reports:export')).toBe('Export reports');
    expect(describeScope('reports:*')).toBe('Full access to reports');
    expect(describeScope('legacy.scope')).toBe('Use the “legacy.scope” permission');
  });

  it('lists the identity scopes first', () => {
    expect(describeScopes(['translate:read', 'email', 'openid']).map((s) => s.scope)).toEqual([
      'openid',
      'email',
      'translate:read',
    ]);
  });
});

import {
  defaultScopeCatalogue,
  expandAccessLevel,
  narrowScopes,
  hasScope,
  isSubsetOf,
  scopeCovers,
} from './scopes';

describe('scope matching', () => {
  it('matches an exact scope and nothing else', () => {
    expect(scopeCovers('translate:write', 'translate:write')).toBe(true);
    expect(scopeCovers('translate:write', 'translate:read')).toBe(false);
  });

  it('lets X:* cover every X:... but not another resource', () => {
    expect(scopeCovers('translate:*', 'translate:write')).toBe(true);
    expect(scopeCovers('translate:*', 'translator:write')).toBe(false);
    expect(scopeCovers('translate:*', 'documents:read')).toBe(false);
  });

  it('lets admin:* cover everything', () => {
    expect(hasScope(['admin:*'], 'api_keys:write')).toBe(true);
    expect(hasScope(['admin:*'], 'translate:*')).toBe(true);
  });

  it('refuses a wider set than the granted one', () => {
    expect(isSubsetOf(['translate:read'], ['translate:*'])).toBe(true);
    expect(isSubsetOf(['translate:*'], ['translate:read'])).toBe(false);
    expect(isSubsetOf(['admin:*'], ['translate:*', 'documents:*'])).toBe(false);
  });

  it('expands the shorthand access levels', () => {
    const catalogue = defaultScopeCatalogue();
    const readOnly = expandAccessLevel('read-only', catalogue);
    expect(readOnly).toContain('translate:read');
    expect(readOnly.every((s) => s.endsWith(':read'))).toBe(true);
    const write = expandAccessLevel('write', catalogue);
    expect(write).toContain('translate:write');
    expect(write).not.toContain('admin:*');
    expect(expandAccessLevel('admin', catalogue)).toEqual(['admin:*']);
  });
});

describe('narrowScopes', () => {
  it('keeps what the ceiling covers and shrinks a wildcard to the ceiling inside it', () => {
    expect(
      narrowScopes(['translate:*', 'compliance:read'], ['translate:read', 'models:read']),
    ).toEqual(['translate:read']);
    expect(narrowScopes(['translate:read'], ['translate:*'])).toEqual(['translate:read']);
    expect(narrowScopes(['admin:*'], ['translate:read', 'api_keys:write'])).toEqual([
      'translate:read',
      'api_keys:write',
    ]);
    expect(narrowScopes(['admin:*', 'x:y'], ['admin:*'])).toEqual(['admin:*', 'x:y']);
    expect(narrowScopes(['organizations:write'], ['organizations:read'])).toEqual([]);
  });
});

/** The default scope catalogue of the contract; TESSERA_EXTRA_SCOPES adds to it. */
export const RESOURCE_SCOPES = [
  'translate:read',
  'translate:write',
  'documents:read',
  'documents:write',
  'models:read',
  'models:download',
  'compliance:read',
] as const;

export const PLATFORM_SCOPES = [
  'api_keys:read',
  'api_keys:write',
  'service_accounts:read',
  'service_accounts:write',
  'sso:read',
  'sso:write',
  'organizations:read',
  'organizations:write',
  'oauth_clients:read',
  'oauth_clients:write',
] as const;

export const ADMIN_SCOPE = 'admin:*';

export function defaultScopeCatalogue(extra: readonly string[] = []): string[] {
  return [...new Set([...RESOURCE_SCOPES, ...PLATFORM_SCOPES, ...extra, ADMIN_SCOPE])];
}

/** `X:*` covers every `X:...`; `admin:*` covers everything. */
export function scopeCovers(granted: string, required: string): boolean {
  if (granted === required || granted === ADMIN_SCOPE) return true;
  if (granted.endsWith(':*')) return required.startsWith(granted.slice(0, -1));
  return false;
}

export function hasScope(granted: readonly string[], required: string): boolean {
  return granted.some((g) => scopeCovers(g, required));
}

/** Every requested scope is covered by the granted ones: no credential mints a wider one. */
export function isSubsetOf(requested: readonly string[], granted: readonly string[]): boolean {
  return requested.every((r) => hasScope(granted, r));
}

/** The shorthand access levels of the contract, expanded against a catalogue. */
export function expandAccessLevel(
  level: 'read-only' | 'write' | 'admin',
  catalogue: readonly string[],
): string[] {
  if (level === 'admin') return [ADMIN_SCOPE];
  const concrete = catalogue.filter((s) => !s.endsWith(':*'));
  return level === 'read-only' ? concrete.filter((s) => s.endsWith(':read')) : concrete;
}

/**
 * The part of `granted` that `ceiling` covers: what a credential may still do under the power of
 * whoever it acts for. A wildcard the ceiling covers only in part (`translate:*` under a ceiling
 * of `translate:read`) shrinks to the ceiling's scopes inside it.
 */
export function narrowScopes(granted: readonly string[], ceiling: readonly string[]): string[] {
  if (ceiling.includes(ADMIN_SCOPE)) return [...granted];
  const narrowed = new Set<string>();
  for (const scope of granted) {
    if (hasScope(ceiling, scope)) narrowed.add(scope);
    else for (const within of ceiling) if (scopeCovers(scope, within)) narrowed.add(within);
  }
  return [...narrowed];
}

/** The OpenID Connect scopes discovery lists beside the API's: not for keys or accounts. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

let catalogue: Promise<string[]> | undefined;

/** The deployment's scope catalogue, from its discovery document (read once). */
export function scopeCatalogue(): Promise<string[]> {
  catalogue ??= fetch('/.well-known/oauth-authorization-server')
    .then((response) => {
      if (!response.ok) throw new Error('The scope catalogue could not be read');
      return response.json() as Promise<{ scopes_supported?: string[] }>;
    })
    .then((document) => (document.scopes_supported ?? []).filter((s) => !OIDC_SCOPES.has(s)))
    .catch((error: unknown) => {
      catalogue = undefined;
      throw error;
    });
  return catalogue;
}

export type AccessLevel = 'read-only' | 'write' | 'admin';

/** The contract's access levels as scopes of the catalogue. */
export function scopesOfLevel(level: AccessLevel, all: readonly string[]): string[] {
  switch (level) {
    case 'read-only':
      return all.filter((s) => s.endsWith(':read'));
    case 'write':
      return all.filter((s) => !s.startsWith('admin:'));
    case 'admin':
      return ['admin:*'];
  }
}

/** Scopes grouped by resource (`translate:read` under "translate"), for a checklist. */
export function groupScopes(all: readonly string[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const scope of all) {
    const resource = scope.split(':')[0];
    groups.set(resource, [...(groups.get(resource) ?? []), scope]);
  }
  return [...groups];
}

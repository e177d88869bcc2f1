/** Scopes as stored (space-separated) as a list, and back. */
export function scopeList(stored: string): string[] {
  return stored.split(' ').filter(Boolean);
}

export function storedScopes(scopes: readonly string[]): string {
  return [...new Set(scopes)].join(' ');
}

/** RFC 6749 section 3.3: a scope-token is printable ASCII without space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * A `scope` parameter (space-separated, RFC 6749 section 3.3) as a deduplicated list; null when
 * a token holds a character the RFC does not allow. Callers answer that with their own error
 * (`invalid_request` at the token endpoint, `invalid_scope` at authorize).
 */
export function parseScopeParameter(scope: string): string[] | null {
  const scopes = scopeList(scope);
  return scopes.every((token) => SCOPE_TOKEN.test(token)) ? [...new Set(scopes)] : null;
}

/** Scopes as stored (space-separated) as a list, and back. */
export function scopeList(stored: string): string[] {
  return stored.split(' ').filter(Boolean);
}

export function storedScopes(scopes: readonly string[]): string {
  return [...new Set(scopes)].join(' ');
}

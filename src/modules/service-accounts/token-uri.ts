/** The token endpoint's address: a key file's `token_uri`, the `aud` its assertions name. */
export function tokenUriOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/oauth/token`;
}

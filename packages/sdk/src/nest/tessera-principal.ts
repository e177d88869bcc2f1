/** Who called, as Tessera vouches for it: the same fields as GET /v1/auth/verify. */
export interface TesseraPrincipal {
  type: 'user' | 'api_key' | 'service_account' | 'oauth_client' | 'instance_admin';
  /** The user's, key's, account's or client's id. */
  subject: string;
  organizationId: string | null;
  scopes: string[];
  expiresAt: Date | null;
  /** An API key's `live`, `test` or `dev`. */
  environment?: string;
  /** The OAuth client a token was issued to (a user's delegated token, a client's own). */
  clientId?: string;
  /** How it was checked: offline against the JWKS, or by Tessera's /v1/auth/verify. */
  verifiedBy: 'jwks' | 'tessera';
}

const ADMIN_SCOPE = 'admin:*';

/** Tessera's rule (API.md, "Scopes"): `X:*` covers every `X:...`; `admin:*` covers everything. */
export function scopeCovers(granted: string, required: string): boolean {
  if (granted === required || granted === ADMIN_SCOPE) return true;
  if (granted.endsWith(':*')) return required.startsWith(granted.slice(0, -1));
  return false;
}

export function hasScope(principal: TesseraPrincipal, required: string): boolean {
  return principal.scopes.some((granted) => scopeCovers(granted, required));
}

import {
  createBrowserClient,
  UserSessionCredential,
  type components,
  type paths,
} from '@tessera/sdk/browser';
import type { Client } from 'openapi-fetch';
import { createContext, useContext } from 'react';
import { hasScope } from '../ui/format';
import type { ConsoleTokens } from './sign-in';

export type Api = Client<paths>;
export type Organization = components['schemas']['OrganizationDto'];
export type Verified = components['schemas']['VerifyResponseDto'];

/** Who is signed in, where they act, and the client that acts there. */
export interface ConsoleSession {
  api: Api;
  me: Verified;
  email: string | null;
  name: string | null;
  organizations: Organization[];
  organization: Organization | undefined;
  /** Whether the signed-in user's role in the current organization carries `scope`. */
  can: (scope: string) => boolean;
  switchOrganization: (organizationId: string) => void;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<ConsoleSession | null>(null);

export function useSession(): ConsoleSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in console');
  return session;
}

export function canOf(me: Verified): (scope: string) => boolean {
  return (scope) => hasScope(me.scopes, scope);
}

/**
 * The SDK's client for the console: the session's tokens in memory only (the SDK refreshes them
 * through /v1/auth/refresh, rotated), the organization chosen in the switcher on every request.
 */
export function consoleClient(tokens: ConsoleTokens, organizationId: () => string | undefined) {
  const credential = new UserSessionCredential({
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
  });
  return createBrowserClient({
    baseUrl: location.origin,
    credential,
    organizationId,
    // A person is waiting: one quick retry at most.
    retry: { maxAttempts: 2 },
  });
}

/** The name and email in the ID token (its payload only: it came from the token endpoint). */
export function identityOf(idToken: string | undefined): {
  email: string | null;
  name: string | null;
} {
  if (!idToken) return { email: null, name: null };
  try {
    const payload = idToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(decodeURIComponent(escape(atob(payload)))) as {
      email?: string;
      name?: string;
    };
    return { email: claims.email ?? null, name: claims.name ?? null };
  } catch {
    return { email: null, name: null };
  }
}

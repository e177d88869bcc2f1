import { useEffect, useMemo, useRef, useState } from 'react';
import {
  canOf,
  consoleClient,
  identityOf,
  SessionContext,
  type ConsoleSession,
  type Verified,
} from './auth/session';
import {
  CALLBACK_PATH,
  completeSignIn,
  leaveThroughLogoutPage,
  SIGNED_OUT_PATH,
  startSignIn,
  type ConsoleTokens,
} from './auth/sign-in';
import { dataOf } from './auth/result';
import { navigate } from './router';
import { Shell } from './Shell';
import { BrandMark } from './ui/Brand';
import { ErrorNotice } from './ui/States';

const ORGANIZATION_KEY = 'tessera.console.organization';

type Phase =
  | { kind: 'signing-in' }
  | { kind: 'signed-out' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'ready'; session: Omit<ConsoleSession, 'switchOrganization' | 'can'> };

/**
 * Signs in (the callback, or a trip to the authorization endpoint), then loads who the user is
 * and their organizations, and renders the console. Tokens live in this component's memory only:
 * a reload signs in again, silently while the browser session lasts.
 */
export function App() {
  const [phase, setPhase] = useState<Phase>(() =>
    location.pathname === SIGNED_OUT_PATH ? { kind: 'signed-out' } : { kind: 'signing-in' },
  );
  const [organizationId, setOrganizationId] = useState<string | undefined>(
    () => sessionStorage.getItem(ORGANIZATION_KEY) ?? undefined,
  );
  const organizationRef = useRef(organizationId);
  organizationRef.current = organizationId;
  const started = useRef(false);

  useEffect(() => {
    if (started.current || phase.kind !== 'signing-in') return;
    started.current = true;
    if (location.pathname !== CALLBACK_PATH) {
      void startSignIn(location.pathname + location.search);
      return;
    }
    completeSignIn()
      .then(async ({ tokens, returnTo }) => {
        const session = await openSession(tokens, () => organizationRef.current);
        if (!session.organizations.some((o) => o.id === organizationRef.current)) {
          const own = session.me.organization_id ?? undefined;
          setOrganizationId(own);
          organizationRef.current = own;
        }
        navigate(returnTo === '/console' || returnTo === '/console/' ? '/console/keys' : returnTo, {
          replace: true,
        });
        setPhase({ kind: 'ready', session });
      })
      .catch((error: unknown) => setPhase({ kind: 'failed', error }));
  }, [phase.kind]);

  const [me, setMe] = useState<Verified | undefined>(undefined);
  const ready = phase.kind === 'ready' ? phase.session : undefined;
  useEffect(() => {
    if (!ready || !organizationId) return;
    sessionStorage.setItem(ORGANIZATION_KEY, organizationId);
    let current = true;
    ready.api.GET('/v1/auth/verify').then(
      (result) => current && setMe(dataOf(result)),
      (error: unknown) => {
        if (!current) return;
        // No longer a member of the organization chosen: back to the sign-in's own.
        const own = ready.me.organization_id ?? undefined;
        if (organizationId !== own) {
          organizationRef.current = own;
          setOrganizationId(own);
        } else {
          setPhase({ kind: 'failed', error });
        }
      },
    );
    return () => {
      current = false;
    };
  }, [ready, organizationId]);

  const session = useMemo<ConsoleSession | null>(() => {
    if (!ready) return null;
    const acting = me && me.organization_id === organizationId ? me : ready.me;
    return {
      ...ready,
      me: acting,
      organization: ready.organizations.find((o) => o.id === acting.organization_id),
      can: canOf(acting),
      switchOrganization: (id) => {
        organizationRef.current = id;
        setOrganizationId(id);
      },
    };
  }, [ready, me, organizationId]);

  if (phase.kind === 'signed-out') {
    return (
      <Splash title="You are signed out">
        <p className="lead">Your console session has ended on this device.</p>
        <button
          type="button"
          className="button button-primary button-wide"
          onClick={() => void startSignIn('/console/keys')}
        >
          Sign in again
        </button>
      </Splash>
    );
  }
  if (phase.kind === 'failed') {
    return (
      <Splash title="Could not sign you in">
        <ErrorNotice error={phase.error} />
        <button
          type="button"
          className="button button-primary button-wide"
          onClick={() => void startSignIn('/console/keys')}
        >
          Sign in again
        </button>
      </Splash>
    );
  }
  if (!session || !me) {
    return (
      <Splash title="Signing you in…">
        <p className="lead" role="status">
          Taking you to Tessera’s sign-in page.
        </p>
      </Splash>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

async function openSession(
  tokens: ConsoleTokens,
  organizationId: () => string | undefined,
): Promise<Omit<ConsoleSession, 'switchOrganization' | 'can'>> {
  const api = consoleClient(tokens, organizationId);
  // Who the token is, in its own organization first (a remembered one may be gone).
  const me = dataOf(
    await api.GET('/v1/auth/verify', {
      headers: { 'x-organization-id': '' },
    }),
  );
  const organizations = dataOf(
    await api.GET('/v1/organizations', {
      params: { query: { limit: 100 } },
      headers: { 'x-organization-id': '' },
    }),
  );
  const signOut = async () => {
    try {
      await api.POST('/v1/auth/logout');
    } finally {
      leaveThroughLogoutPage(tokens.id_token);
    }
  };
  return {
    api,
    me,
    organizations: organizations.data,
    ...identityOf(tokens.id_token),
    organization: undefined,
    signOut,
  };
}

function Splash({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="splash">
      <div className="card">
        <header className="brand">
          <BrandMark />
          <span className="brand-name">Tessera</span>
        </header>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

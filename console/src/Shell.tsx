import { useEffect, useId, useRef, useState, type ReactElement } from 'react';
import { useSession } from './auth/session';
import { AccountPage } from './pages/AccountPage';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { ApplicationsPage } from './pages/ApplicationsPage';
import { AuditPage } from './pages/AuditPage';
import { OrganizationPage } from './pages/OrganizationPage';
import { ServiceAccountsPage } from './pages/ServiceAccountsPage';
import { SsoPage } from './pages/SsoPage';
import { Link, usePath } from './router';
import { BrandMark } from './ui/Brand';
import { Empty } from './ui/States';

interface Section {
  path: string;
  label: string;
  /** The scope a user's role needs to read the page (none: every user). */
  scope?: string;
  render: (rest: string) => ReactElement;
}

const SECTIONS: Section[] = [
  {
    path: 'keys',
    label: 'API keys',
    scope: 'api_keys:read',
    render: (rest) => <ApiKeysPage keyId={rest || undefined} />,
  },
  {
    path: 'service-accounts',
    label: 'Service accounts',
    scope: 'service_accounts:read',
    render: () => <ServiceAccountsPage />,
  },
  { path: 'applications', label: 'OAuth apps', render: () => <ApplicationsPage /> },
  { path: 'sso', label: 'Single sign-on', scope: 'sso:read', render: () => <SsoPage /> },
  {
    path: 'organization',
    label: 'Organization',
    scope: 'organizations:read',
    render: () => <OrganizationPage />,
  },
  { path: 'audit', label: 'Audit log', scope: 'compliance:read', render: () => <AuditPage /> },
  { path: 'account', label: 'Account & MFA', render: () => <AccountPage /> },
];

/** The signed-in console: navigation, the organization switcher, the page of the path. */
export function Shell() {
  const session = useSession();
  const path = usePath();
  const [section, rest] = splitPath(path);
  const visible = SECTIONS.filter((s) => !s.scope || session.can(s.scope));
  const current = SECTIONS.find((s) => s.path === section);
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    setMenuOpen(false);
    document.title = `${current?.label ?? 'Not found'} · Tessera console`;
  }, [path, current]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={() => main.current?.focus()}>
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-brand">
          <BrandMark size={24} />
          <span className="brand-name">Tessera</span>
          <span className="brand-product">console</span>
        </div>
        <OrganizationSwitcher />
        <button
          type="button"
          className="button menu-button"
          aria-expanded={menuOpen}
          aria-controls="navigation"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <div className="topbar-user">
          <span className="user-email" title={session.email ?? undefined}>
            {session.email ?? 'Signed in'}
          </span>
          <button type="button" className="button" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <div className="layout">
        <nav
          id="navigation"
          className={menuOpen ? 'sidebar sidebar-open' : 'sidebar'}
          aria-label="Console"
        >
          <ul>
            {visible.map((s) => (
              <li key={s.path}>
                <Link to={`/console/${s.path}`} className="nav-link" current={s.path === section}>
                  {s.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={main} tabIndex={-1} className="content">
          {current && (!current.scope || session.can(current.scope)) ? (
            <div key={session.me.organization_id}>{current.render(rest)}</div>
          ) : (
            <Empty title={current ? 'You cannot see this page' : 'Page not found'}>
              {current
                ? `Your role in this organization does not include ${current.scope}.`
                : 'There is nothing at this address in the console.'}{' '}
              <Link to="/console/keys">Go to API keys</Link>
            </Empty>
          )}
        </main>
      </div>
    </div>
  );
}

function splitPath(path: string): [string, string] {
  const parts = path.replace(/^\/console\/?/, '').split('/');
  return [parts[0] || 'keys', parts.slice(1).join('/')];
}

/** Which organization the console acts in (X-Organization-ID), for users in several. */
function OrganizationSwitcher() {
  const session = useSession();
  const id = useId();
  const role = session.me.role && <span className="badge role-badge">{session.me.role}</span>;
  if (session.organizations.length < 2) {
    return (
      <div className="org-switcher">
        <span className="org-label">Organization</span>
        <span className="org-name">{session.organization?.name ?? '—'}</span>
        {role}
      </div>
    );
  }
  return (
    <div className="org-switcher">
      <label htmlFor={id} className="org-label">
        Organization
      </label>
      <select
        id={id}
        value={session.me.organization_id ?? ''}
        onChange={(event) => session.switchOrganization(event.target.value)}
      >
        {session.organizations.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
      {role}
    </div>
  );
}

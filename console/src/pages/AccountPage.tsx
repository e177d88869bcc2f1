import type { components } from '@tessera/sdk/browser';
import { TesseraError } from '@tessera/sdk/browser';
import { useState, type FormEvent } from 'react';
import { dataOf } from '../auth/result';
import { useSession } from '../auth/session';
import { startSignIn } from '../auth/sign-in';
import { CopyBox } from '../ui/CopyBox';
import { ConfirmDialog } from '../ui/Dialog';
import { Field, PageHeader } from '../ui/Field';
import { formatDateTime, formatRelative } from '../ui/format';
import { useAction, useLoad } from '../ui/hooks';
import { QrCode } from '../ui/QrCode';
import { ErrorNotice, Loading } from '../ui/States';

type Enrolment = components['schemas']['TotpEnrollResponseDto'];
type Session = components['schemas']['SessionDto'];

/** The signed-in user's own account: two-step sign-in (TOTP) and where they are signed in. */
export function AccountPage() {
  const { email, name } = useSession();
  return (
    <section>
      <PageHeader title="Account & MFA" description={[name, email].filter(Boolean).join(' · ')} />
      <MfaPanel />
      <SessionsPanel />
    </section>
  );
}

function needsFreshSignIn(error: unknown): boolean {
  return error instanceof TesseraError && error.code === 'reauthentication_required';
}

function MfaPanel() {
  const { api, me } = useSession();
  const start = useAction();
  const confirm = useAction();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [code, setCode] = useState('');
  const [enabled, setEnabled] = useState(false);

  const begin = async () => {
    const answer = await start.run(() =>
      api.POST('/v1/auth/mfa/totp/enroll', { body: {} }).then(dataOf),
    );
    if (answer) setEnrolment(answer);
  };
  const finish = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await confirm.run(() =>
      api.POST('/v1/auth/mfa/totp/verify', { body: { code: code.trim() } }).then(dataOf),
    );
    if (answer?.mfa_enabled) {
      setEnabled(true);
      setEnrolment(null);
    }
  };

  return (
    <div className="panel">
      <h2>Two-step sign-in</h2>
      {enabled ? (
        <p className="notice notice-success" role="status">
          Two-step sign-in is on. Tessera will ask for a code from your app each time you sign in.
        </p>
      ) : enrolment ? (
        <div className="mfa-steps">
          <QrCode value={enrolment.otpauth_url} label="QR code for your authenticator app" />
          <form className="form-grid" onSubmit={(event) => void finish(event)}>
            <p>
              Scan the code with your authenticator app, or type the key into it, then enter the six
              digits it shows.
            </p>
            <CopyBox label="Setup key" value={enrolment.secret} />
            <Field label="Code from the app">
              {(props) => (
                <input
                  {...props}
                  type="text"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="[0-9]{6}"
                  maxLength={6}
                  required
                  value={code}
                  onChange={(event) => setCode(event.target.value)}
                />
              )}
            </Field>
            <ErrorNotice error={confirm.error} />
            <div>
              <button type="submit" className="button button-primary" disabled={confirm.busy}>
                {confirm.busy ? 'Checking…' : 'Turn on two-step sign-in'}
              </button>
            </div>
          </form>
        </div>
      ) : (
        <>
          <p>
            {me.mfa
              ? 'This sign-in passed a second step.'
              : 'Protect your account with a code from an authenticator app as well as your password.'}
          </p>
          {needsFreshSignIn(start.error) ? (
            <div className="notice notice-info" role="alert">
              For your security, sign in again before you change how you sign in.{' '}
              <button
                type="button"
                className="button button-small"
                onClick={() => void startSignIn('/console/account', { fresh: true })}
              >
                Sign in again
              </button>
            </div>
          ) : (
            <ErrorNotice error={start.error} />
          )}
          <button
            type="button"
            className="button button-primary"
            disabled={start.busy}
            onClick={() => void begin()}
          >
            {start.busy ? 'Starting…' : 'Set up an authenticator app'}
          </button>
        </>
      )}
    </div>
  );
}

function SessionsPanel() {
  const { api } = useSession();
  const sessions = useLoad(() => api.GET('/v1/auth/sessions').then(dataOf), []);
  const [ending, setEnding] = useState<Session | null>(null);
  const end = useAction();
  return (
    <div className="panel">
      <h2>Where you are signed in</h2>
      <ErrorNotice error={sessions.error} />
      {sessions.data ? (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Your sessions</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last active</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.data.map((session) => (
                <tr key={session.id}>
                  <td data-label="Device">
                    {describeAgent(session.user_agent)}
                    {session.current && <span className="badge badge-active"> this console</span>}
                  </td>
                  <td data-label="Address">{session.ip ?? '—'}</td>
                  <td data-label="Signed in">{formatDateTime(session.created)}</td>
                  <td data-label="Last active">{formatRelative(session.last_used)}</td>
                  <td data-label="Actions">
                    {!session.current && (
                      <div className="row-actions">
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`End session: ${describeAgent(session.user_agent)}, signed in ${formatDateTime(session.created)}`}
                          onClick={() => setEnding(session)}
                        >
                          End session
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        !sessions.error && <Loading label="Loading sessions…" />
      )}
      {ending && (
        <ConfirmDialog
          title="End this session?"
          confirmLabel="End session"
          busy={end.busy}
          onClose={() => setEnding(null)}
          onConfirm={() =>
            void end
              .run(() =>
                api.DELETE('/v1/auth/sessions/{id}', { params: { path: { id: ending.id } } }),
              )
              .then((done) => {
                if (!done) return;
                setEnding(null);
                sessions.reload();
              })
          }
          error={<ErrorNotice error={end.error} />}
        >
          <p>Its tokens stop working at once; that device will have to sign in again.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function describeAgent(agent: string | null | undefined): string {
  if (!agent) return 'Unknown device';
  const browser = /(Firefox|Edg|Chrome|Safari)\/[\d.]+/.exec(agent)?.[1] ?? 'A program';
  const system = /(Windows|Mac OS X|Android|iPhone|Linux)/.exec(agent)?.[1] ?? '';
  return [
    browser === 'Edg' ? 'Edge' : browser,
    system && `on ${system.replace('Mac OS X', 'macOS')}`,
  ]
    .filter(Boolean)
    .join(' ');
}

import type { components } from '@tessera/sdk/browser';
import { useState, type FormEvent } from 'react';
import { CLIENT_ID as CONSOLE_CLIENT_ID } from '../auth/sign-in';
import { dataOf } from '../auth/result';
import { useSession } from '../auth/session';
import { CopyBox } from '../ui/CopyBox';
import { AUTOFOCUS, ConfirmDialog, Dialog } from '../ui/Dialog';
import { Field, linesOf, PageHeader } from '../ui/Field';
import { formatDateTime, formatRelative } from '../ui/format';
import { useAction, useLoad } from '../ui/hooks';
import { ScopePicker } from '../ui/ScopePicker';
import { Empty, ErrorNotice, Loading } from '../ui/States';

type Client = components['schemas']['OAuthClientDto'];
type CreatedClient = components['schemas']['CreatedOAuthClientDto'];
type Grant = components['schemas']['OAuthGrantDto'];

/** The organization's OAuth clients, and the apps the signed-in user let act for them. */
export function ApplicationsPage() {
  const { can } = useSession();
  return (
    <section>
      <PageHeader
        title="OAuth apps"
        description="Applications that sign people in with Tessera, and the ones you allowed to act for you."
      />
      {can('oauth_clients:read') && <ClientsSection />}
      <GrantsSection />
    </section>
  );
}

function ClientsSection() {
  const { api, can } = useSession();
  const clients = useLoad(
    () => api.GET('/v1/oauth/clients', { params: { query: { limit: 100 } } }).then(dataOf),
    [],
  );
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Client | null>(null);
  const remove = useAction();
  const writable = can('oauth_clients:write');
  return (
    <>
      <div className="section-header">
        <h2>Registered clients</h2>
        {writable && (
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            Register client
          </button>
        )}
      </div>
      <ErrorNotice error={clients.error} />
      {clients.loading && !clients.data ? (
        <Loading label="Loading clients…" />
      ) : clients.data?.data.length === 0 ? (
        <Empty title="No client registered">
          Register the applications that sign people in here.
        </Empty>
      ) : (
        clients.data && (
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">OAuth clients</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Client id</th>
                  <th scope="col">Type</th>
                  <th scope="col">Redirect URIs</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {clients.data.data.map((client) => (
                  <tr key={client.client_id}>
                    <td data-label="Name">
                      <strong>{client.name}</strong>
                    </td>
                    <td data-label="Client id">
                      <code>{client.client_id}</code>
                    </td>
                    <td data-label="Type">{client.client_type}</td>
                    <td data-label="Redirect URIs">{client.redirect_uris.join(', ') || '—'}</td>
                    <td data-label="Actions">
                      {writable && (
                        <div className="row-actions">
                          <button
                            type="button"
                            className="button button-small"
                            aria-label={`Delete ${client.name}`}
                            onClick={() => setDeleting(client)}
                          >
                            Delete
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      )}
      {creating && (
        <RegisterClientDialog onClose={() => setCreating(false)} onCreated={clients.reload} />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete client"
          busy={remove.busy}
          onClose={() => setDeleting(null)}
          onConfirm={() =>
            void remove
              .run(() =>
                api.DELETE('/v1/oauth/clients/{client_id}', {
                  params: { path: { client_id: deleting.client_id } },
                }),
              )
              .then((done) => {
                if (!done) return;
                setDeleting(null);
                clients.reload();
              })
          }
          error={<ErrorNotice error={remove.error} />}
        >
          <p>Every grant people gave it, and every token it holds, stop working at once.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function RegisterClientDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: () => void;
}) {
  const { api } = useSession();
  const action = useAction();
  const [name, setName] = useState('');
  const [clientType, setClientType] = useState<'confidential' | 'public'>('confidential');
  const [redirectUris, setRedirectUris] = useState('');
  const [scopes, setScopes] = useState<string[]>(['openid']);
  const [created, setCreated] = useState<CreatedClient | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const client = await action.run(() =>
      api
        .POST('/v1/oauth/clients', {
          body: { name, client_type: clientType, redirect_uris: linesOf(redirectUris), scopes },
        })
        .then(dataOf),
    );
    if (client) {
      setCreated(client);
      onCreated();
    }
  };
  if (created) {
    return (
      <Dialog title="Client registered" onClose={onClose}>
        <div className="dialog-body">
          <CopyBox label="Client id" value={created.client_id} />
          {created.client_secret ? (
            <CopyBox label="Client secret" value={created.client_secret} secret />
          ) : (
            <p className="hint">A public client has no secret: it proves itself with PKCE.</p>
          )}
          <div className="dialog-actions">
            <button
              type="button"
              className="button button-primary"
              onClick={onClose}
              {...AUTOFOCUS}
            >
              Done
            </button>
          </div>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="Register an OAuth client" onClose={onClose} wide>
      <form className="dialog-body form-grid" onSubmit={(event) => void submit(event)}>
        <Field label="Name" hint="Shown to people on the consent page.">
          {(props) => (
            <input
              {...props}
              type="text"
              required
              maxLength={200}
              value={name}
              onChange={(event) => setName(event.target.value)}
              {...AUTOFOCUS}
            />
          )}
        </Field>
        <fieldset className="segmented">
          <legend>Type</legend>
          <label className="check">
            <input
              type="radio"
              name="client_type"
              checked={clientType === 'confidential'}
              onChange={() => setClientType('confidential')}
            />
            Confidential (a server with a secret)
          </label>
          <label className="check">
            <input
              type="radio"
              name="client_type"
              checked={clientType === 'public'}
              onChange={() => setClientType('public')}
            />
            Public (browser or native app, PKCE)
          </label>
        </fieldset>
        <Field label="Redirect URIs" hint="One a line, exactly as the app sends them.">
          {(props) => (
            <textarea
              {...props}
              rows={3}
              required
              spellCheck={false}
              value={redirectUris}
              onChange={(event) => setRedirectUris(event.target.value)}
            />
          )}
        </Field>
        <ScopePicker value={scopes} onChange={setScopes} legend="Scopes it may ask for" />
        <ErrorNotice error={action.error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={action.busy}>
            {action.busy ? 'Registering…' : 'Register client'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** GET /v1/oauth/grants: the apps the user consented to (the console itself is not one). */
function GrantsSection() {
  const { api } = useSession();
  const grants = useLoad(
    () =>
      api
        .GET('/v1/oauth/grants', { params: { query: { limit: 100 } } })
        .then(dataOf)
        .then((page) => page.data.filter((g) => g.client_id !== CONSOLE_CLIENT_ID)),
    [],
  );
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const revoke = useAction();
  return (
    <>
      <h2>Apps you allowed</h2>
      <ErrorNotice error={grants.error} />
      {grants.loading && !grants.data ? (
        <Loading label="Loading your apps…" />
      ) : grants.data?.length === 0 ? (
        <Empty title="No app acts for you">
          Apps you allow on a consent page will be listed here.
        </Empty>
      ) : (
        grants.data && (
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">Apps you allowed</caption>
              <thead>
                <tr>
                  <th scope="col">App</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Allowed</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {grants.data.map((grant) => (
                  <tr key={grant.id}>
                    <td data-label="App">
                      <strong>{grant.client_name}</strong>
                    </td>
                    <td data-label="Scopes">{grant.scopes.join(' ')}</td>
                    <td data-label="Allowed">{formatDateTime(grant.created)}</td>
                    <td data-label="Last used">{formatRelative(grant.last_used)}</td>
                    <td data-label="Actions">
                      <div className="row-actions">
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`Revoke access of ${grant.client_name}`}
                          onClick={() => setRevoking(grant)}
                        >
                          Revoke access
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.client_name}’s access?`}
          confirmLabel="Revoke access"
          busy={revoke.busy}
          onClose={() => setRevoking(null)}
          onConfirm={() =>
            void revoke
              .run(() =>
                api.DELETE('/v1/oauth/grants/{id}', { params: { path: { id: revoking.id } } }),
              )
              .then((done) => {
                if (!done) return;
                setRevoking(null);
                grants.reload();
              })
          }
          error={<ErrorNotice error={revoke.error} />}
        >
          <p>
            It can no longer act for you: its tokens stop working at once. It will ask again next
            time.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

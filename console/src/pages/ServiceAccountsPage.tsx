import type { components } from '@tessera/sdk/browser';
import { useState, type FormEvent } from 'react';
import { dataOf } from '../auth/result';
import { useSession } from '../auth/session';
import { AUTOFOCUS, ConfirmDialog, Dialog } from '../ui/Dialog';
import { Field, PageHeader, StatusBadge } from '../ui/Field';
import { download, formatDateTime, formatRelative } from '../ui/format';
import { useAction, useLoad } from '../ui/hooks';
import { ScopePicker } from '../ui/ScopePicker';
import { Empty, ErrorNotice, Loading } from '../ui/States';

type ServiceAccount = components['schemas']['ServiceAccountDto'];
type KeyFile = components['schemas']['KeyFileDto'];

/** Machine identities: each signs its own assertions with a key file it downloads once. */
export function ServiceAccountsPage() {
  const { api, can } = useSession();
  const accounts = useLoad(
    () => api.GET('/v1/service-accounts', { params: { query: { limit: 100 } } }).then(dataOf),
    [],
  );
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<ServiceAccount | null>(null);
  const writable = can('service_accounts:write');

  return (
    <section>
      <PageHeader
        title="Service accounts"
        description="Identities for programs: each gets tokens with a key file it keeps, never a password."
        actions={
          writable && (
            <button
              type="button"
              className="button button-primary"
              onClick={() => setCreating(true)}
            >
              Create service account
            </button>
          )
        }
      />
      <ErrorNotice error={accounts.error} />
      {accounts.loading && !accounts.data ? (
        <Loading label="Loading service accounts…" />
      ) : accounts.data?.data.length === 0 ? (
        <Empty title="No service accounts yet">
          {writable
            ? 'Create one for a program that calls the API on its own behalf.'
            : 'Service accounts of this organization will be listed here.'}
        </Empty>
      ) : (
        accounts.data && (
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">Service accounts</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Client id</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {accounts.data.data.map((account) => (
                  <tr key={account.id}>
                    <td data-label="Name">
                      <strong>{account.name}</strong>
                      {account.description && <div className="hint">{account.description}</div>}
                    </td>
                    <td data-label="Client id">
                      <code>{account.client_id}</code>
                    </td>
                    <td data-label="Scopes">{account.scopes.join(' ')}</td>
                    <td data-label="Created">{formatDateTime(account.created)}</td>
                    <td data-label="Status">
                      <StatusBadge status={account.disabled ? 'disabled' : 'active'} />
                    </td>
                    <td data-label="Actions">
                      <div className="row-actions">
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => setOpen(account)}
                          aria-label={`Manage ${account.name}`}
                        >
                          Manage
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
      {creating && (
        <CreateServiceAccountDialog
          onClose={() => setCreating(false)}
          onCreated={accounts.reload}
        />
      )}
      {open && (
        <ManageServiceAccountDialog
          account={open}
          writable={writable}
          onClose={() => setOpen(null)}
          onChanged={accounts.reload}
        />
      )}
    </section>
  );
}

function keyFileName(file: KeyFile): string {
  return `tessera-service-account-${file.private_key_id}.json`;
}

/** The private key is in this answer only: the dialog offers the download until it is closed. */
function KeyFileDownload({ file, onDone }: { file: KeyFile; onDone: () => void }) {
  return (
    <div className="dialog-body">
      <div className="copy-box-secret">
        <p className="copy-warning">
          Download the key file now: it holds the private key, which Tessera does not keep.
        </p>
        <p>
          <code>{keyFileName(file)}</code>
        </p>
        <button
          type="button"
          className="button button-primary"
          {...AUTOFOCUS}
          onClick={() => download(keyFileName(file), JSON.stringify(file, null, 2) + '\n')}
        >
          Download key file
        </button>
      </div>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function CreateServiceAccountDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: () => void;
}) {
  const { api } = useSession();
  const action = useAction();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [keyFile, setKeyFile] = useState<KeyFile | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const created = await action.run(() =>
      api
        .POST('/v1/service-accounts', {
          body: { name, description: description || undefined, scopes },
        })
        .then(dataOf),
    );
    if (created) {
      setKeyFile(created.key_file);
      onCreated();
    }
  };
  if (keyFile) {
    return (
      <Dialog title="Service account created" onClose={onClose}>
        <KeyFileDownload file={keyFile} onDone={onClose} />
      </Dialog>
    );
  }
  return (
    <Dialog title="Create a service account" onClose={onClose} wide>
      <form className="dialog-body form-grid" onSubmit={(event) => void submit(event)}>
        <Field label="Name">
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
        <Field label="Description" hint="Optional: what runs as this account.">
          {(props) => (
            <input
              {...props}
              type="text"
              maxLength={500}
              value={description}
              onChange={(event) => setDescription(event.target.value)}
            />
          )}
        </Field>
        <ScopePicker value={scopes} onChange={setScopes} />
        <ErrorNotice error={action.error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={action.busy}>
            {action.busy ? 'Creating…' : 'Create service account'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** An account's keys (new key file, revoke), and disable, enable, delete. */
function ManageServiceAccountDialog({
  account,
  writable,
  onClose,
  onChanged,
}: {
  account: ServiceAccount;
  writable: boolean;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { api } = useSession();
  const path = { params: { path: { id: account.id } } };
  const keys = useLoad(
    () => api.GET('/v1/service-accounts/{id}/keys', path).then(dataOf),
    [account.id],
  );
  const action = useAction();
  const [keyFile, setKeyFile] = useState<KeyFile | null>(null);
  const [confirm, setConfirm] = useState<'delete' | { revoke: string } | null>(null);
  const [disabled, setDisabled] = useState(account.disabled);

  const newKey = async () => {
    const created = await action.run(() =>
      api.POST('/v1/service-accounts/{id}/keys', { ...path, body: {} }).then(dataOf),
    );
    if (created?.key_file) {
      setKeyFile(created.key_file);
      keys.reload();
    }
  };
  const toggle = async () => {
    const updated = await action.run(() =>
      api
        .PATCH('/v1/service-accounts/{id}', { ...path, body: { disabled: !disabled } })
        .then(dataOf),
    );
    if (updated) {
      setDisabled(updated.disabled);
      onChanged();
    }
  };
  const confirmed = async () => {
    if (confirm === 'delete') {
      const done = await action.run(() => api.DELETE('/v1/service-accounts/{id}', path));
      if (done) {
        onChanged();
        onClose();
      }
    } else if (confirm) {
      const done = await action.run(() =>
        api.DELETE('/v1/service-accounts/{id}/keys/{key_id}', {
          params: { path: { id: account.id, key_id: confirm.revoke } },
        }),
      );
      if (done) {
        setConfirm(null);
        keys.reload();
      }
    }
  };

  if (keyFile) {
    return (
      <Dialog title="New key file" onClose={onClose}>
        <KeyFileDownload file={keyFile} onDone={() => setKeyFile(null)} />
      </Dialog>
    );
  }
  if (confirm) {
    return (
      <ConfirmDialog
        title={confirm === 'delete' ? `Delete ${account.name}?` : 'Revoke this key?'}
        confirmLabel={confirm === 'delete' ? 'Delete service account' : 'Revoke key'}
        busy={action.busy}
        onConfirm={() => void confirmed()}
        onClose={() => setConfirm(null)}
        error={<ErrorNotice error={action.error} />}
      >
        <p>
          {confirm === 'delete'
            ? 'Its keys, access tokens and API keys stop working at once. This cannot be undone.'
            : 'Assertions signed with it, and the tokens it got, stop working at once.'}
        </p>
      </ConfirmDialog>
    );
  }
  return (
    <Dialog title={account.name} onClose={onClose} wide>
      <div className="dialog-body">
        <p className="hint">
          Client id <code>{account.client_id}</code> · {disabled ? 'disabled' : 'active'}
        </p>
        <h3>Keys</h3>
        <ErrorNotice error={keys.error ?? action.error} />
        {keys.data ? (
          keys.data.data.length === 0 ? (
            <p className="hint">No key: create one to get tokens.</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <caption className="visually-hidden">Keys of {account.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Key id</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {keys.data.data.map((key) => (
                    <tr key={key.private_key_id}>
                      <td data-label="Key id">
                        <code>{key.private_key_id.slice(0, 12)}…</code>
                      </td>
                      <td data-label="Created">{formatDateTime(key.created)}</td>
                      <td data-label="Last used">{formatRelative(key.last_used)}</td>
                      <td data-label="Status">
                        <StatusBadge status={key.status} />
                      </td>
                      <td data-label="Actions">
                        {writable && key.status === 'active' && (
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => setConfirm({ revoke: key.private_key_id })}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        ) : (
          !keys.error && <Loading label="Loading keys…" />
        )}
        {writable && (
          <div className="dialog-actions">
            <button
              type="button"
              className="button button-danger"
              onClick={() => setConfirm('delete')}
            >
              Delete
            </button>
            <button
              type="button"
              className="button"
              disabled={action.busy}
              onClick={() => void toggle()}
            >
              {disabled ? 'Enable' : 'Disable'}
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={action.busy || disabled}
              onClick={() => void newKey()}
            >
              New key file
            </button>
          </div>
        )}
      </div>
    </Dialog>
  );
}

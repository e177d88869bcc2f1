import type { components } from '@tessera/sdk/browser';
import { useState, type FormEvent } from 'react';
import { dataOf } from '../auth/result';
import { useSession } from '../auth/session';
import { CopyBox } from '../ui/CopyBox';
import { AUTOFOCUS, ConfirmDialog, Dialog } from '../ui/Dialog';
import { Field, linesOf, PageHeader } from '../ui/Field';
import { formatDateTime } from '../ui/format';
import { useAction, useLoad } from '../ui/hooks';
import { Empty, ErrorNotice, Loading } from '../ui/States';

type Connection = components['schemas']['SsoConnectionDto'];
type Provider = components['schemas']['CreateSsoConnectionDto']['provider'];

const PROVIDERS: { value: Provider; label: string }[] = [
  { value: 'okta', label: 'Okta' },
  { value: 'azure_ad', label: 'Microsoft Entra ID (Azure AD)' },
  { value: 'google_workspace', label: 'Google Workspace' },
  { value: 'onelogin', label: 'OneLogin' },
  { value: 'ping_identity', label: 'Ping Identity' },
  { value: 'custom_saml', label: 'Other SAML 2.0 IdP' },
];
const ATTRIBUTES = ['email', 'first_name', 'last_name', 'full_name', 'groups'] as const;

/** SAML connections: made from the IdP's metadata, with the values to paste into the IdP. */
export function SsoPage() {
  const { api, can } = useSession();
  const connections = useLoad(
    () => api.GET('/v1/sso/connections', { params: { query: { limit: 100 } } }).then(dataOf),
    [],
  );
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<Connection | null>(null);
  const writable = can('sso:write');
  return (
    <section>
      <PageHeader
        title="Single sign-on"
        description="People with an address at a connection's domains sign in through your identity provider."
        actions={
          writable && (
            <button
              type="button"
              className="button button-primary"
              onClick={() => setCreating(true)}
            >
              New SAML connection
            </button>
          )
        }
      />
      <ErrorNotice error={connections.error} />
      {connections.loading && !connections.data ? (
        <Loading label="Loading connections…" />
      ) : connections.data?.data.length === 0 ? (
        <Empty title="No SSO connection yet">
          {writable
            ? 'Connect Okta, Entra ID, Google Workspace or any SAML 2.0 identity provider.'
            : 'Connections of this organization will be listed here.'}
        </Empty>
      ) : (
        connections.data && (
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">SSO connections</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Domains</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {connections.data.data.map((c) => (
                  <tr key={c.id}>
                    <td data-label="Name">
                      <strong>{c.name}</strong>
                    </td>
                    <td data-label="Provider">{providerLabel(c.provider)}</td>
                    <td data-label="Domains">{c.domains.join(', ')}</td>
                    <td data-label="Created">{formatDateTime(c.created)}</td>
                    <td data-label="Actions">
                      <div className="row-actions">
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`Set up ${c.name}`}
                          onClick={() => setOpen(c)}
                        >
                          Set up
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
        <CreateConnectionDialog
          onClose={() => setCreating(false)}
          onCreated={(c) => {
            connections.reload();
            setCreating(false);
            setOpen(c);
          }}
        />
      )}
      {open && (
        <ConnectionDialog
          connection={open}
          writable={writable}
          onClose={() => setOpen(null)}
          onDeleted={() => {
            setOpen(null);
            connections.reload();
          }}
        />
      )}
    </section>
  );
}

function providerLabel(provider: string): string {
  return PROVIDERS.find((p) => p.value === provider)?.label ?? provider;
}

function CreateConnectionDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (connection: Connection) => void;
}) {
  const { api } = useSession();
  const action = useAction();
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<Provider>('okta');
  const [source, setSource] = useState<'xml' | 'url'>('xml');
  const [metadataXml, setMetadataXml] = useState('');
  const [metadataUrl, setMetadataUrl] = useState('');
  const [domains, setDomains] = useState('');
  const [defaultRole, setDefaultRole] = useState<'member' | 'viewer' | 'admin'>('member');
  const [mapping, setMapping] = useState<Record<string, string>>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const attributeMapping = Object.fromEntries(
      Object.entries(mapping).filter(([, v]) => v.trim()),
    );
    const created = await action.run(() =>
      api
        .POST('/v1/sso/connections', {
          body: {
            name,
            provider,
            domains: linesOf(domains),
            default_role: defaultRole,
            ...(source === 'xml'
              ? { idp_metadata_xml: metadataXml }
              : { idp_metadata_url: metadataUrl }),
            ...(Object.keys(attributeMapping).length
              ? { attribute_mapping: attributeMapping }
              : {}),
          },
        })
        .then(dataOf),
    );
    if (created) onCreated(created);
  };

  return (
    <Dialog title="New SAML connection" onClose={onClose} wide>
      <form className="dialog-body form-grid" onSubmit={(event) => void submit(event)}>
        <div className="field-row">
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
          <Field label="Identity provider">
            {(props) => (
              <select
                {...props}
                value={provider}
                onChange={(event) => setProvider(event.target.value as Provider)}
              >
                {PROVIDERS.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <fieldset className="segmented">
          <legend>IdP metadata</legend>
          <label className="check">
            <input
              type="radio"
              name="source"
              checked={source === 'xml'}
              onChange={() => setSource('xml')}
            />
            Paste the XML
          </label>
          <label className="check">
            <input
              type="radio"
              name="source"
              checked={source === 'url'}
              onChange={() => setSource('url')}
            />
            Fetch it from a URL
          </label>
        </fieldset>
        {source === 'xml' ? (
          <Field label="Metadata XML" hint="The IdP's SAML metadata document (EntityDescriptor).">
            {(props) => (
              <textarea
                {...props}
                rows={6}
                required
                spellCheck={false}
                value={metadataXml}
                onChange={(event) => setMetadataXml(event.target.value)}
              />
            )}
          </Field>
        ) : (
          <Field
            label="Metadata URL"
            hint="https only; Tessera fetches it now and refreshes it daily."
          >
            {(props) => (
              <input
                {...props}
                type="url"
                required
                value={metadataUrl}
                onChange={(event) => setMetadataUrl(event.target.value)}
              />
            )}
          </Field>
        )}
        <div className="field-row">
          <Field label="Email domains" hint="One a line or comma-separated: example.com">
            {(props) => (
              <textarea
                {...props}
                rows={2}
                required
                spellCheck={false}
                value={domains}
                onChange={(event) => setDomains(event.target.value)}
              />
            )}
          </Field>
          <Field label="Role of new members">
            {(props) => (
              <select
                {...props}
                value={defaultRole}
                onChange={(event) =>
                  setDefaultRole(event.target.value as 'member' | 'viewer' | 'admin')
                }
              >
                <option value="member">member</option>
                <option value="viewer">viewer</option>
                <option value="admin">admin</option>
              </select>
            )}
          </Field>
        </div>
        <fieldset>
          <legend>Attribute mapping (optional: the provider's defaults otherwise)</legend>
          <div className="field-row">
            {ATTRIBUTES.map((attribute) => (
              <Field key={attribute} label={attribute.replace('_', ' ')}>
                {(props) => (
                  <input
                    {...props}
                    type="text"
                    spellCheck={false}
                    value={mapping[attribute] ?? ''}
                    onChange={(event) =>
                      setMapping((m) => ({ ...m, [attribute]: event.target.value }))
                    }
                  />
                )}
              </Field>
            ))}
          </div>
        </fieldset>
        <ErrorNotice error={action.error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={action.busy}>
            {action.busy ? 'Connecting…' : 'Create connection'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** What to paste into the IdP, a test sign-in, the mapping; delete. */
function ConnectionDialog({
  connection,
  writable,
  onClose,
  onDeleted,
}: {
  connection: Connection;
  writable: boolean;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const { api } = useSession();
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  if (confirming) {
    return (
      <ConfirmDialog
        title={`Delete ${connection.name}?`}
        confirmLabel="Delete connection"
        busy={action.busy}
        onClose={() => setConfirming(false)}
        onConfirm={() =>
          void action
            .run(() =>
              api.DELETE('/v1/sso/connections/{id}', { params: { path: { id: connection.id } } }),
            )
            .then((done) => done && onDeleted())
        }
        error={<ErrorNotice error={action.error} />}
      >
        <p>
          People at {connection.domains.join(', ')} can no longer sign in through it. Their accounts
          stay.
        </p>
      </ConfirmDialog>
    );
  }
  const mapping = Object.entries(connection.attribute_mapping ?? {});
  return (
    <Dialog title={connection.name} onClose={onClose} wide>
      <div className="dialog-body">
        <p>Paste these into {providerLabel(connection.provider)}:</p>
        <CopyBox label="SP entity ID (audience)" value={connection.sp_entity_id} />
        <CopyBox label="ACS URL (single sign-on URL)" value={connection.acs_url} />
        <CopyBox label="SP metadata URL" value={connection.sp_metadata_url} />
        <dl className="facts">
          <div>
            <dt>Domains</dt>
            <dd>{connection.domains.join(', ')}</dd>
          </div>
          <div>
            <dt>New members</dt>
            <dd>{connection.default_role}</dd>
          </div>
          <div className="facts-wide">
            <dt>IdP entity ID</dt>
            <dd>
              <code>{connection.idp_entity_id}</code>
            </dd>
          </div>
          <div className="facts-wide">
            <dt>Attribute mapping</dt>
            <dd className="scope-list">
              {mapping.length
                ? mapping.map(([k, v]) => (
                    <code key={k}>
                      {k} ← {String(v)}
                    </code>
                  ))
                : 'The provider’s defaults'}
            </dd>
          </div>
        </dl>
        <div className="dialog-actions">
          {writable && (
            <button
              type="button"
              className="button button-danger"
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          )}
          <a
            className="button button-primary"
            href={connection.login_url}
            target="_blank"
            rel="noopener"
          >
            Test sign-in
          </a>
        </div>
      </div>
    </Dialog>
  );
}

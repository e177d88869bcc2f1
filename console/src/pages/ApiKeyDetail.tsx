import { dataOf } from '../auth/result';
import type { components } from '@tessera/sdk/browser';
import { useState, type FormEvent } from 'react';
import { useSession } from '../auth/session';
import { Link, navigate } from '../router';
import { CopyBox } from '../ui/CopyBox';
import { AUTOFOCUS, ConfirmDialog, Dialog } from '../ui/Dialog';
import { Field, PageHeader, StatusBadge } from '../ui/Field';
import { formatDateTime, formatRelative } from '../ui/format';
import { useAction, useLoad } from '../ui/hooks';
import { ErrorNotice, Loading } from '../ui/States';
import { UsageChart } from '../ui/UsageChart';

type CreatedKey = components['schemas']['CreatedApiKeyDto'];

/** One key: its settings, last use, usage per hour; rotate and revoke. */
export function ApiKeyDetail({ keyId }: { keyId: string }) {
  const { api, can } = useSession();
  const key = useLoad(
    () => api.GET('/v1/api-keys/{id}', { params: { path: { id: keyId } } }).then(dataOf),
    [keyId],
  );
  const usage = useLoad(() => {
    const since = new Date(Date.now() - 24 * 3_600_000);
    since.setMinutes(0, 0, 0);
    return api
      .GET('/v1/api-keys/{id}/usage', {
        params: { path: { id: keyId }, query: { granularity: 'hour', since: since.toISOString() } },
      })
      .then(dataOf);
  }, [keyId]);
  const [dialog, setDialog] = useState<'rotate' | 'revoke' | null>(null);
  const revoke = useAction();

  if (key.error) {
    return (
      <section>
        <p className="breadcrumb">
          <Link to="/console/keys">API keys</Link>
        </p>
        <ErrorNotice error={key.error} />
      </section>
    );
  }
  if (!key.data) return <Loading label="Loading the key…" />;
  const k = key.data;
  const writable = can('api_keys:write') && k.status === 'active';

  const confirmRevoke = async () => {
    const done = await revoke.run(() =>
      api.DELETE('/v1/api-keys/{id}', { params: { path: { id: k.id } } }),
    );
    if (done) {
      setDialog(null);
      key.reload();
    }
  };

  return (
    <section>
      <p className="breadcrumb">
        <Link to="/console/keys">API keys</Link> <span aria-hidden="true">/</span> {k.name}
      </p>
      <PageHeader
        title={k.name}
        description={
          <>
            <code>{k.start}…</code> <StatusBadge status={k.status} />
          </>
        }
        actions={
          writable && (
            <>
              <button type="button" className="button" onClick={() => setDialog('rotate')}>
                Rotate
              </button>
              <button
                type="button"
                className="button button-danger"
                onClick={() => setDialog('revoke')}
              >
                Revoke
              </button>
            </>
          )
        }
      />
      <dl className="facts">
        <div>
          <dt>Last used</dt>
          <dd title={formatDateTime(k.last_used)}>
            {formatRelative(k.last_used)}
            {usage.data?.last_ip ? ` from ${usage.data.last_ip}` : ''}
          </dd>
        </div>
        <div>
          <dt>Environment</dt>
          <dd>
            <span className={`env env-${k.environment}`}>{k.environment}</span>
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatDateTime(k.created)}</dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd>{k.expires ? formatDateTime(k.expires) : 'Never'}</dd>
        </div>
        <div>
          <dt>Rate limit</dt>
          <dd>{k.rate_limit_per_hour.toLocaleString()} requests an hour</dd>
        </div>
        <div>
          <dt>Allowed IPs</dt>
          <dd>{k.allowed_ips.length ? k.allowed_ips.join(', ') : 'Any address'}</dd>
        </div>
        {k.revoked_at && (
          <div>
            <dt>Revoked</dt>
            <dd>{formatDateTime(k.revoked_at)}</dd>
          </div>
        )}
        <div className="facts-wide">
          <dt>Scopes</dt>
          <dd className="scope-list">
            {k.scopes.map((s) => (
              <code key={s}>{s}</code>
            ))}
          </dd>
        </div>
        <div className="facts-wide">
          <dt>Key id</dt>
          <dd>
            <code>{k.id}</code>
          </dd>
        </div>
      </dl>
      <h2>Usage</h2>
      <ErrorNotice error={usage.error} />
      {usage.data ? (
        <UsageChart periods={usage.data.data} />
      ) : (
        !usage.error && <Loading label="Loading usage…" />
      )}
      {dialog === 'revoke' && (
        <ConfirmDialog
          title="Revoke this key?"
          confirmLabel="Revoke key"
          busy={revoke.busy}
          onConfirm={() => void confirmRevoke()}
          onClose={() => {
            revoke.clear();
            setDialog(null);
          }}
          error={<ErrorNotice error={revoke.error} />}
        >
          <p>
            <strong>{k.name}</strong> (<code>{k.start}…</code>) stops working at once, on every
            instance. Programs that use it will get 401. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
      {dialog === 'rotate' && (
        <RotateDialog keyId={k.id} onClose={() => setDialog(null)} onRotated={() => key.reload()} />
      )}
    </section>
  );
}

function RotateDialog({
  keyId,
  onClose,
  onRotated,
}: {
  keyId: string;
  onClose: () => void;
  onRotated: (key: CreatedKey) => void;
}) {
  const { api } = useSession();
  const action = useAction();
  const [grace, setGrace] = useState('24');
  const [rotated, setRotated] = useState<CreatedKey | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = await action.run(() =>
      api
        .POST('/v1/api-keys/{id}/rotate', {
          params: { path: { id: keyId } },
          body: { grace_period_hours: Number(grace) },
        })
        .then(dataOf),
    );
    if (key) {
      setRotated(key);
      onRotated(key);
    }
  };
  if (rotated) {
    return (
      <Dialog
        title="The rotated key"
        onClose={() => {
          onClose();
          navigate(`/console/keys/${rotated.id}`);
        }}
      >
        <div className="dialog-body">
          <p>
            The new key has the same settings. The old one keeps working for {grace} hours, then
            stops.
          </p>
          <CopyBox label="New API key" value={rotated.key} secret />
          <div className="dialog-actions">
            <button
              type="button"
              className="button button-primary"
              {...AUTOFOCUS}
              onClick={() => {
                onClose();
                navigate(`/console/keys/${rotated.id}`);
              }}
            >
              I have copied it
            </button>
          </div>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="Rotate this key" onClose={onClose}>
      <form className="dialog-body form-grid" onSubmit={(event) => void submit(event)}>
        <p>
          A new key with the same settings replaces this one. Deploy it within the grace period.
        </p>
        <Field label="Grace period (hours)" hint="How long the old key keeps working: 0 to 720.">
          {(props) => (
            <input
              {...props}
              type="number"
              min={0}
              max={720}
              required
              value={grace}
              onChange={(event) => setGrace(event.target.value)}
              {...AUTOFOCUS}
            />
          )}
        </Field>
        <ErrorNotice error={action.error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={action.busy}>
            {action.busy ? 'Rotating…' : 'Rotate key'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

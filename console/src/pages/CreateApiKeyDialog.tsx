import { dataOf } from '../auth/result';
import type { components } from '@tessera/sdk/browser';
import { useState, type FormEvent } from 'react';
import { useSession } from '../auth/session';
import { CopyBox } from '../ui/CopyBox';
import { AUTOFOCUS, Dialog } from '../ui/Dialog';
import { Field, linesOf } from '../ui/Field';
import { useAction } from '../ui/hooks';
import { ScopePicker } from '../ui/ScopePicker';
import { ErrorNotice } from '../ui/States';

type CreatedKey = components['schemas']['CreatedApiKeyDto'];

const EXPIRIES = [
  { days: '', label: 'Never' },
  { days: '7', label: 'In 7 days' },
  { days: '30', label: 'In 30 days' },
  { days: '90', label: 'In 90 days' },
  { days: '365', label: 'In a year' },
];

/** The create form, then the new key's secret in a copy box, shown this once. */
export function CreateApiKeyDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (key: CreatedKey) => void;
}) {
  const { api } = useSession();
  const action = useAction();
  const [name, setName] = useState('');
  const [environment, setEnvironment] = useState<'live' | 'test' | 'dev'>('live');
  const [scopes, setScopes] = useState<string[]>([]);
  const [expiresInDays, setExpiresInDays] = useState('');
  const [rateLimit, setRateLimit] = useState('1000');
  const [allowedIps, setAllowedIps] = useState('');
  const [created, setCreated] = useState<CreatedKey | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = await action.run(async () => {
      const created = await api.POST('/v1/api-keys', {
        body: {
          name,
          environment,
          scopes,
          expires_in_days: expiresInDays ? Number(expiresInDays) : undefined,
          rate_limit_per_hour: Number(rateLimit),
          allowed_ips: linesOf(allowedIps),
        },
      });
      return dataOf(created);
    });
    if (key) {
      setCreated(key);
      onCreated(key);
    }
  };

  if (created) {
    return (
      <Dialog title="Your new API key" onClose={onClose}>
        <div className="dialog-body">
          <p>
            <strong>{created.name}</strong> is ready ({created.environment}, {created.scopes.length}{' '}
            {created.scopes.length === 1 ? 'scope' : 'scopes'}).
          </p>
          <CopyBox label="API key" value={created.key} secret />
          <div className="dialog-actions">
            <button
              type="button"
              className="button button-primary"
              onClick={onClose}
              {...AUTOFOCUS}
            >
              I have copied it
            </button>
          </div>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Create an API key" onClose={onClose} wide>
      <form className="dialog-body form-grid" onSubmit={(event) => void submit(event)}>
        <Field label="Name" hint="What uses it, so you can tell keys apart later.">
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
          <legend>Environment</legend>
          {(['live', 'test', 'dev'] as const).map((env) => (
            <label key={env} className="check">
              <input
                type="radio"
                name="environment"
                value={env}
                checked={environment === env}
                onChange={() => setEnvironment(env)}
              />
              {env}
            </label>
          ))}
        </fieldset>
        <ScopePicker value={scopes} onChange={setScopes} />
        <div className="field-row">
          <Field label="Expires">
            {(props) => (
              <select
                {...props}
                value={expiresInDays}
                onChange={(event) => setExpiresInDays(event.target.value)}
              >
                {EXPIRIES.map((e) => (
                  <option key={e.days} value={e.days}>
                    {e.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Requests per hour" hint="10 to 100,000; the window resets on the hour.">
            {(props) => (
              <input
                {...props}
                type="number"
                min={10}
                max={100000}
                required
                value={rateLimit}
                onChange={(event) => setRateLimit(event.target.value)}
              />
            )}
          </Field>
        </div>
        <Field
          label="Allowed IP addresses"
          hint="One address or CIDR range a line (203.0.113.0/24). Empty: any address."
        >
          {(props) => (
            <textarea
              {...props}
              rows={2}
              value={allowedIps}
              spellCheck={false}
              onChange={(event) => setAllowedIps(event.target.value)}
            />
          )}
        </Field>
        <ErrorNotice error={action.error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={action.busy}>
            {action.busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

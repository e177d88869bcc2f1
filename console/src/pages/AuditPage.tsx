import { auditEventCount, type components } from '@tessera/sdk/browser';
import { useState, type FormEvent } from 'react';
import { dataOf } from '../auth/result';
import { useSession } from '../auth/session';
import { Dialog } from '../ui/Dialog';
import { Field, PageHeader, StatusBadge } from '../ui/Field';
import { download, formatDateTime } from '../ui/format';
import { useAction, useLoad } from '../ui/hooks';
import { Empty, ErrorNotice, Loading } from '../ui/States';

type AuditEvent = components['schemas']['AuditEventDto'];
type Verification = components['schemas']['AuditVerifyDto'];
type Outcome = 'success' | 'failure' | 'denied';

interface Filters {
  action: string;
  actor_id: string;
  target_id: string;
  outcome: Outcome | '';
  since: string;
  until: string;
}

const NO_FILTERS: Filters = {
  action: '',
  actor_id: '',
  target_id: '',
  outcome: '',
  since: '',
  until: '',
};
const PAGE_SIZE = 50;

/** The organization's audit log: the API's filters, cursor paging, an event's detail, export, verify. */
export function AuditPage() {
  const { api } = useSession();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [shown, setShown] = useState<AuditEvent | null>(null);
  const [verification, setVerification] = useState<Verification | null>(null);
  const verify = useAction();
  const exporting = useAction();
  const more = useAction();

  const query = (startingAfter?: string) =>
    api
      .GET('/v1/audit-logs', {
        params: {
          query: {
            limit: PAGE_SIZE,
            starting_after: startingAfter,
            action: filters.action || undefined,
            actor_id: filters.actor_id || undefined,
            target_id: filters.target_id || undefined,
            outcome: filters.outcome || undefined,
            since: filters.since ? new Date(filters.since).toISOString() : undefined,
            until: filters.until ? new Date(filters.until).toISOString() : undefined,
          },
        },
      })
      .then(dataOf);

  const first = useLoad(async () => {
    const page = await query();
    setEvents(page.data);
    setHasMore(page.has_more);
    return page;
  }, [filters]);

  const loadMore = () =>
    more.run(async () => {
      const page = await query(events.at(-1)?.id);
      setEvents((previous) => [...previous, ...page.data]);
      setHasMore(page.has_more);
    });

  const exportLog = () =>
    exporting.run(async () => {
      const lines = dataOf(await api.GET('/v1/audit-logs/export', { parseAs: 'text' }));
      const day = new Date().toISOString().slice(0, 10);
      download(`tessera-audit-${day}.ndjson`, lines, 'application/x-ndjson');
    });

  const runVerify = async () => {
    const result = await verify.run(() => api.GET('/v1/audit-logs/verify').then(dataOf));
    if (result) setVerification(result);
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };
  const set = (name: keyof Filters) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [name]: event.target.value }));

  return (
    <section>
      <PageHeader
        title="Audit log"
        description="Who did what in this organization. Each event is hash-chained to the one before it."
        actions={
          <>
            <button
              type="button"
              className="button"
              disabled={verify.busy}
              onClick={() => void runVerify()}
            >
              {verify.busy ? 'Verifying…' : 'Verify chain'}
            </button>
            <button
              type="button"
              className="button"
              disabled={exporting.busy}
              onClick={() => void exportLog()}
            >
              {exporting.busy ? 'Exporting…' : 'Export NDJSON'}
            </button>
          </>
        }
      />
      <ErrorNotice error={verify.error ?? exporting.error} />
      {verification && (
        <div
          className={verification.valid ? 'notice notice-success' : 'notice notice-error'}
          role="status"
        >
          {verification.valid
            ? `The chain is intact: ${verification.events_checked} events checked.`
            : `The chain is broken at event ${verification.first_broken_id ?? '?'}${verification.reason ? ` (${verification.reason})` : ''}; ${verification.events_checked} events checked.`}
        </div>
      )}
      <form className="filters filters-audit" role="search" onSubmit={apply}>
        <Field label="Action">
          {(props) => (
            <input
              {...props}
              type="text"
              placeholder="api_key.created"
              value={draft.action}
              onChange={set('action')}
            />
          )}
        </Field>
        <Field label="Actor id">
          {(props) => (
            <input {...props} type="text" value={draft.actor_id} onChange={set('actor_id')} />
          )}
        </Field>
        <Field label="Target id">
          {(props) => (
            <input {...props} type="text" value={draft.target_id} onChange={set('target_id')} />
          )}
        </Field>
        <Field label="Outcome">
          {(props) => (
            <select {...props} value={draft.outcome} onChange={set('outcome')}>
              <option value="">Any</option>
              <option value="success">Success</option>
              <option value="failure">Failure</option>
              <option value="denied">Denied</option>
            </select>
          )}
        </Field>
        <Field label="Since">
          {(props) => (
            <input {...props} type="datetime-local" value={draft.since} onChange={set('since')} />
          )}
        </Field>
        <Field label="Until">
          {(props) => (
            <input {...props} type="datetime-local" value={draft.until} onChange={set('until')} />
          )}
        </Field>
        <div className="filter-actions">
          <button type="submit" className="button button-primary">
            Apply filters
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
            }}
          >
            Reset
          </button>
        </div>
      </form>
      <ErrorNotice error={first.error} />
      {first.loading && events.length === 0 ? (
        <Loading label="Loading the audit log…" />
      ) : events.length === 0 && !first.error ? (
        <Empty title="No event matches">
          Change the filters, or come back once something happened.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td data-label="When" className="nowrap">
                    {formatDateTime(event.occurred_at)}
                  </td>
                  <td data-label="Action">
                    <button type="button" className="link-button" onClick={() => setShown(event)}>
                      {event.action}
                    </button>
                    <Occurrences count={auditEventCount(event)} />
                  </td>
                  <td data-label="Actor">
                    {event.actor.type}
                    {event.actor.ip ? ` · ${event.actor.ip}` : ''}
                  </td>
                  <td data-label="Target">
                    {event.target.type ? `${event.target.type} ${shortId(event.target.id)}` : '—'}
                  </td>
                  <td data-label="Outcome">
                    <StatusBadge status={event.outcome} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorNotice error={more.error} />
      {hasMore && (
        <button
          type="button"
          className="button load-more"
          disabled={more.busy}
          onClick={() => void loadMore()}
        >
          {more.busy ? 'Loading…' : 'Load older events'}
        </button>
      )}
      {shown && (
        <Dialog title={shown.action} onClose={() => setShown(null)} wide>
          <div className="dialog-body">
            <dl className="facts">
              <div>
                <dt>When</dt>
                <dd>{formatDateTime(shown.occurred_at)}</dd>
              </div>
              <div>
                <dt>Outcome</dt>
                <dd>
                  <StatusBadge status={shown.outcome} />
                </dd>
              </div>
              <div>
                <dt>Actor</dt>
                <dd>
                  {shown.actor.type} <code>{shown.actor.id ?? '—'}</code>
                </dd>
              </div>
              <div>
                <dt>Target</dt>
                <dd>
                  {shown.target.type ?? '—'} <code>{shown.target.id ?? ''}</code>
                </dd>
              </div>
              <div className="facts-wide">
                <dt>Request id</dt>
                <dd>
                  <code>{shown.request_id ?? '—'}</code>
                </dd>
              </div>
            </dl>
            <h3>Event</h3>
            <pre className="json" tabIndex={0} aria-label="The event as JSON">
              {JSON.stringify(shown, null, 2)}
            </pre>
          </div>
        </Dialog>
      )}
    </section>
  );
}

function shortId(id: string | null | undefined): string {
  if (!id) return '';
  return id.length > 14 ? `${id.slice(0, 12)}…` : id;
}

/** "×N" beside a counted event's action (a machine's tokens within the audit window); none for one. */
function Occurrences({ count }: { count: number }) {
  return count > 1 ? <span className="occurrences"> ×{count}</span> : null;
}

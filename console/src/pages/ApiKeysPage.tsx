import { dataOf } from '../auth/result';
import type { components } from '@tessera/sdk/browser';
import { useMemo, useState } from 'react';
import { useSession } from '../auth/session';
import { Link } from '../router';
import { Field, PageHeader, StatusBadge } from '../ui/Field';
import { formatDateTime, formatRelative } from '../ui/format';
import { useLoad } from '../ui/hooks';
import { Empty, ErrorNotice, Loading } from '../ui/States';
import { ApiKeyDetail } from './ApiKeyDetail';
import { CreateApiKeyDialog } from './CreateApiKeyDialog';

export type ApiKey = components['schemas']['ApiKeyDto'];
type Environment = 'live' | 'test' | 'dev';
type Status = 'active' | 'revoked' | 'expired';

const PAGE_SIZE = 50;

/** The organization's API keys: filters, search, last use; a key's page under /console/keys/<id>. */
export function ApiKeysPage({ keyId }: { keyId?: string }) {
  if (keyId) return <ApiKeyDetail keyId={keyId} />;
  return <ApiKeyList />;
}

function ApiKeyList() {
  const { api, can } = useSession();
  const [environment, setEnvironment] = useState<Environment | ''>('');
  const [status, setStatus] = useState<Status | ''>('active');
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [pages, setPages] = useState<ApiKey[][]>([]);
  const [hasMore, setHasMore] = useState(false);

  const query = (startingAfter?: string) =>
    api
      .GET('/v1/api-keys', {
        params: {
          query: {
            limit: PAGE_SIZE,
            environment: environment || undefined,
            status: status || undefined,
            starting_after: startingAfter,
          },
        },
      })
      .then(dataOf);

  const first = useLoad(async () => {
    const page = await query();
    setPages([page.data]);
    setHasMore(page.has_more);
    return page;
  }, [environment, status]);

  const loadMore = async () => {
    const last = pages.at(-1)?.at(-1);
    const page = await query(last?.id);
    setPages((previous) => [...previous, page.data]);
    setHasMore(page.has_more);
  };

  const keys = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const all = pages.flat();
    return needle
      ? all.filter(
          (k) => k.name.toLowerCase().includes(needle) || k.start.toLowerCase().includes(needle),
        )
      : all;
  }, [pages, search]);

  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="API keys"
        description="Keys your programs send as a bearer token. Each is shown once, when it is made."
        actions={
          can('api_keys:write') && (
            <button
              type="button"
              className="button button-primary"
              onClick={() => setCreating(true)}
            >
              Create API key
            </button>
          )
        }
      />
      <div className="filters" role="search">
        <Field label="Search">
          {(props) => (
            <input
              {...props}
              type="search"
              placeholder="Name or key prefix"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
            />
          )}
        </Field>
        <Field label="Environment">
          {(props) => (
            <select
              {...props}
              value={environment}
              onChange={(event) => setEnvironment(event.target.value as Environment | '')}
            >
              <option value="">All</option>
              <option value="live">live</option>
              <option value="test">test</option>
              <option value="dev">dev</option>
            </select>
          )}
        </Field>
        <Field label="Status">
          {(props) => (
            <select
              {...props}
              value={status}
              onChange={(event) => setStatus(event.target.value as Status | '')}
            >
              <option value="">All</option>
              <option value="active">Active</option>
              <option value="revoked">Revoked</option>
              <option value="expired">Expired</option>
            </select>
          )}
        </Field>
      </div>
      <ErrorNotice error={first.error} />
      {first.loading && pages.length === 0 ? (
        <Loading label="Loading API keys…" />
      ) : keys.length === 0 && !first.error ? (
        <Empty title={search ? 'No key matches' : 'No API keys here yet'}>
          {search
            ? 'Try another name or prefix, or change the filters.'
            : can('api_keys:write')
              ? 'Create one to call the API from a program.'
              : 'Keys created in this organization will be listed here.'}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Environment</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id}>
                  <td data-label="Name">
                    <Link to={`/console/keys/${key.id}`} className="row-link">
                      {key.name}
                    </Link>
                  </td>
                  <td data-label="Key">
                    <code>{key.start}…</code>
                  </td>
                  <td data-label="Environment">
                    <span className={`env env-${key.environment}`}>{key.environment}</span>
                  </td>
                  <td data-label="Last used" title={formatDateTime(key.last_used)}>
                    {formatRelative(key.last_used)}
                  </td>
                  <td data-label="Expires">
                    {key.expires ? formatDateTime(key.expires) : 'Never'}
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={key.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {hasMore && (
        <button type="button" className="button load-more" onClick={() => void loadMore()}>
          Load more
        </button>
      )}
      {creating && (
        <CreateApiKeyDialog onClose={() => setCreating(false)} onCreated={() => first.reload()} />
      )}
    </section>
  );
}

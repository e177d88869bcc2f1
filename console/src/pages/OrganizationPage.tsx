import type { components } from '@tessera/sdk/browser';
import { useState, type FormEvent } from 'react';
import { dataOf } from '../auth/result';
import { useSession } from '../auth/session';
import { AUTOFOCUS, ConfirmDialog, Dialog } from '../ui/Dialog';
import { Field, PageHeader } from '../ui/Field';
import { formatDateTime } from '../ui/format';
import { useAction, useLoad } from '../ui/hooks';
import { Empty, ErrorNotice, Loading } from '../ui/States';

type Member = components['schemas']['MemberDto'];
type Role = 'owner' | 'admin' | 'member' | 'viewer';
const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];

/** The organization: its plan and limits (read-only here), its members and their roles. */
export function OrganizationPage() {
  const { api, can, me } = useSession();
  const id = me.organization_id ?? '';
  const path = { params: { path: { id } } };
  const organization = useLoad(() => api.GET('/v1/organizations/{id}', path).then(dataOf), [id]);
  const members = useLoad(
    () =>
      api
        .GET('/v1/organizations/{id}/members', { params: { path: { id }, query: { limit: 100 } } })
        .then(dataOf),
    [id],
  );
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const action = useAction();
  const manage = can('organizations:write');

  const changeRole = (member: Member, role: Role) =>
    action
      .run(() =>
        api.PATCH('/v1/organizations/{id}/members/{user_id}', {
          params: { path: { id, user_id: member.user_id } },
          body: { role },
        }),
      )
      .then(() => members.reload());

  const o = organization.data;
  return (
    <section>
      <PageHeader
        title={o?.name ?? 'Organization'}
        description="Members, roles, plan and limits."
      />
      <ErrorNotice error={organization.error} />
      {o ? (
        <dl className="facts">
          <div>
            <dt>Plan</dt>
            <dd>{o.plan}</dd>
          </div>
          <div>
            <dt>Requests a minute</dt>
            <dd>{o.rate_limit_per_minute.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatDateTime(o.created_at)}</dd>
          </div>
          <div>
            <dt>Your role</dt>
            <dd>{me.role ?? '—'}</dd>
          </div>
          <div className="facts-wide">
            <dt>Organization id</dt>
            <dd>
              <code>{o.id}</code>
            </dd>
          </div>
        </dl>
      ) : (
        !organization.error && <Loading />
      )}
      <p className="hint">
        Plans and limits are changed by the operator of this Tessera (the instance administrator).
      </p>
      <div className="section-header">
        <h2>Members</h2>
        {manage && (
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            Add member
          </button>
        )}
      </div>
      <ErrorNotice error={members.error ?? action.error} />
      {members.loading && !members.data ? (
        <Loading label="Loading members…" />
      ) : members.data?.data.length === 0 ? (
        <Empty title="No members" />
      ) : (
        members.data && (
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">Members</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Joined</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.data.data.map((member) => (
                  <tr key={member.user_id}>
                    <td data-label="Name">{member.full_name}</td>
                    <td data-label="Email">{member.email}</td>
                    <td data-label="Role">
                      {manage ? (
                        <select
                          aria-label={`Role of ${member.email}`}
                          value={member.role}
                          disabled={action.busy}
                          onChange={(event) => void changeRole(member, event.target.value as Role)}
                        >
                          {ROLES.map((role) => (
                            <option key={role} value={role}>
                              {role}
                            </option>
                          ))}
                        </select>
                      ) : (
                        member.role
                      )}
                    </td>
                    <td data-label="Joined">{formatDateTime(member.joined_at)}</td>
                    <td data-label="Actions">
                      {manage && (
                        <div className="row-actions">
                          <button
                            type="button"
                            className="button button-small"
                            aria-label={`Remove ${member.email}`}
                            onClick={() => setRemoving(member)}
                          >
                            Remove
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
      {adding && (
        <AddMemberDialog
          organizationId={id}
          onClose={() => setAdding(false)}
          onAdded={members.reload}
        />
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.email}?`}
          confirmLabel="Remove member"
          busy={action.busy}
          onClose={() => setRemoving(null)}
          onConfirm={() =>
            void action
              .run(() =>
                api.DELETE('/v1/organizations/{id}/members/{user_id}', {
                  params: { path: { id, user_id: removing.user_id } },
                }),
              )
              .then((done) => {
                if (!done) return;
                setRemoving(null);
                members.reload();
              })
          }
          error={<ErrorNotice error={action.error} />}
        >
          <p>They lose access to this organization at once. Their account stays.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function AddMemberDialog({
  organizationId,
  onClose,
  onAdded,
}: {
  organizationId: string;
  onClose: () => void;
  onAdded: () => void;
}) {
  const { api } = useSession();
  const action = useAction();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await action.run(() =>
      api.POST('/v1/organizations/{id}/members', {
        params: { path: { id: organizationId } },
        body: { email, role },
      }),
    );
    if (done) {
      onAdded();
      onClose();
    }
  };
  return (
    <Dialog title="Add a member" onClose={onClose}>
      <form className="dialog-body form-grid" onSubmit={(event) => void submit(event)}>
        <Field label="Email" hint="Someone who already has a Tessera account.">
          {(props) => (
            <input
              {...props}
              type="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              {...AUTOFOCUS}
            />
          )}
        </Field>
        <Field label="Role">
          {(props) => (
            <select
              {...props}
              value={role}
              onChange={(event) => setRole(event.target.value as Role)}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ErrorNotice error={action.error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={action.busy}>
            Add member
          </button>
        </div>
      </form>
    </Dialog>
  );
}

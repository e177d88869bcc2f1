import { CacheInvalidationBus, Invalidation } from '../../../common/cluster/cache-invalidation.bus';
import type { CacheInvalidationLog } from '../../../common/cluster/cache-invalidation-log';
import type { RedisConnections } from '../../../common/cluster/redis-connections';
import { OAuthClientChange, OAuthClientChanges } from './oauth-client-changes';

const noRedis = {
  subscriber: null,
  commands: null,
  isReady: () => false,
} as unknown as RedisConnections;

function changesWithLog(): {
  changes: OAuthClientChanges;
  bus: CacheInvalidationBus;
  logged: Invalidation[];
} {
  const logged: Invalidation[] = [];
  const log = { append: async (event: Invalidation) => logged.push(event) };
  const bus = new CacheInvalidationBus(noRedis, log as unknown as CacheInvalidationLog);
  return { changes: new OAuthClientChanges(bus), bus, logged };
}

const deleted: OAuthClientChange = { id: 'client_1', organizationId: 'org-1', change: 'deleted' };
const rotated: OAuthClientChange = {
  id: 'client_2',
  organizationId: 'org-1',
  change: 'secret_rotated',
};

describe('OAuthClientChanges', () => {
  it('publishes on the bus, logged for the other instances', async () => {
    const { changes, logged } = changesWithLog();
    await changes.publish(deleted);
    expect(logged).toEqual([{ kind: 'oauth_client', ...deleted }]);
  });

  it('hands subscribers every change, and deletions to onDeleted only', async () => {
    const { changes, bus } = changesWithLog();
    const all: OAuthClientChange[] = [];
    const deletions: OAuthClientChange[] = [];
    changes.onChange((change) => all.push(change));
    changes.onDeleted((change) => deletions.push(change));
    await changes.publish(rotated);
    await changes.publish(deleted);
    // As another instance's change arrives (over Redis or from the log).
    bus.applyHere({
      kind: 'oauth_client',
      id: 'client_3',
      organizationId: 'org-2',
      change: 'deleted',
    });
    bus.applyHere({ kind: 'api_key', id: 'key_1' });
    expect(all).toEqual([
      rotated,
      deleted,
      { id: 'client_3', organizationId: 'org-2', change: 'deleted' },
    ]);
    expect(deletions).toEqual([
      deleted,
      { id: 'client_3', organizationId: 'org-2', change: 'deleted' },
    ]);
  });
});

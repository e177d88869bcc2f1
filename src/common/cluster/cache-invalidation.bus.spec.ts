import { Logger } from '@nestjs/common';
import { CacheInvalidationBus, Invalidation } from './cache-invalidation.bus';
import type { CacheInvalidationLog } from './cache-invalidation-log';
import type { RedisConnections } from './redis-connections';

const noRedis = {
  subscriber: null,
  commands: null,
  isReady: () => false,
} as unknown as RedisConnections;

describe('CacheInvalidationBus without Redis', () => {
  it('applies a change here and logs it for the other instances before answering', async () => {
    const logged: Invalidation[] = [];
    const log = { append: async (event: Invalidation) => logged.push(event) };
    const bus = new CacheInvalidationBus(noRedis, log as unknown as CacheInvalidationLog);
    const applied: Invalidation[] = [];
    bus.on('session', (event) => applied.push(event));
    await bus.publish({ kind: 'session', id: 's1' });
    expect(applied).toEqual([{ kind: 'session', id: 's1' }]);
    expect(logged).toEqual([{ kind: 'session', id: 's1' }]);
  });

  it('tells the log’s reader that its own logged change is applied here already, once', async () => {
    const log = { append: async () => 7 };
    const bus = new CacheInvalidationBus(noRedis, log as unknown as CacheInvalidationLog);
    await bus.publish({ kind: 'organization', id: 'org-1' });
    expect(bus.takeApplied(7)).toBe(true);
    expect(bus.takeApplied(7)).toBe(false);
    expect(bus.takeApplied(8)).toBe(false);
  });

  it('still answers, and has applied the change here, when the log cannot be written', async () => {
    const logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const log = { append: () => Promise.reject(new Error('database down')) };
    const bus = new CacheInvalidationBus(noRedis, log as unknown as CacheInvalidationLog);
    const applied: Invalidation[] = [];
    bus.on('api_key', (event) => applied.push(event));
    await expect(bus.publish({ kind: 'api_key', id: 'key_1' })).resolves.toBeUndefined();
    expect(applied).toEqual([{ kind: 'api_key', id: 'key_1' }]);
    expect(logError).toHaveBeenCalledWith(
      expect.anything(),
      expect.stringContaining('Could not log an invalidation (api_key)'),
    );
    logError.mockRestore();
  });
});

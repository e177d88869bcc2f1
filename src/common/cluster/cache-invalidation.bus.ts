import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RedisConnections } from './redis-connections';

const CHANNEL = 'tessera:cache-invalidation';

/** What changed: each cache subscribes to the kinds it holds. */
export type Invalidation =
  | { kind: 'api_key'; id: string }
  | { kind: 'session'; id: string }
  | { kind: 'membership'; userId: string; organizationId: string }
  | { kind: 'organization'; id: string };

type Handler = (event: Invalidation) => void;

/**
 * Tells every instance's in-memory caches that something changed (a key revoked, rotated or
 * updated; a session logged out; a role or plan changed). The change applies locally at once,
 * and with Redis it is published so other instances drop their copy within milliseconds. If
 * Redis is down, other instances converge when their cache entries expire (at most 60 s).
 */
@Injectable()
export class CacheInvalidationBus implements OnModuleInit {
  private readonly logger = new Logger(CacheInvalidationBus.name);
  private readonly handlers = new Map<Invalidation['kind'], Handler[]>();

  /** Tells this instance's messages apart when Redis echoes them back. */
  private readonly instanceId = randomUUID();

  constructor(private readonly redis: RedisConnections) {}

  onModuleInit(): void {
    const subscriber = this.redis.subscriber;
    if (!subscriber) return;
    // Commands fail fast while disconnected (no offline queue), so subscribe once connected and
    // again after every reconnect; SUBSCRIBE to a channel already subscribed is a no-op.
    const subscribe = () => void subscriber.subscribe(CHANNEL).catch(() => undefined);
    if (subscriber.status === 'ready') subscribe();
    subscriber.on('ready', subscribe);
    subscriber.on('message', (channel, message) => {
      if (channel !== CHANNEL) return;
      try {
        const { origin, event } = JSON.parse(message) as { origin: string; event: Invalidation };
        if (origin !== this.instanceId) this.apply(event); // our own were applied at publish
      } catch (error) {
        this.logger.warn({ err: error }, 'Ignored a malformed cache invalidation message');
      }
    });
  }

  on(kind: Invalidation['kind'], handler: Handler): void {
    this.handlers.set(kind, [...(this.handlers.get(kind) ?? []), handler]);
  }

  /**
   * Applies here, now, then tells the other instances. Resolves once Redis has accepted the
   * message (it has then been handed to every subscriber), so a caller that awaits it can answer
   * knowing the next request anywhere sees the change. Never throws.
   */
  async publish(event: Invalidation): Promise<void> {
    this.apply(event);
    if (!this.redis.isReady()) return;
    try {
      await this.redis.commands!.publish(
        CHANNEL,
        JSON.stringify({ origin: this.instanceId, event }),
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not publish a cache invalidation');
    }
  }

  private apply(event: Invalidation): void {
    for (const handler of this.handlers.get(event.kind) ?? []) handler(event);
  }
}

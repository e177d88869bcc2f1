import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CacheInvalidationLog } from './cache-invalidation-log';
import { InvalidationConfirmations } from './invalidation-confirmations';
import { RedisConnections } from './redis-connections';

const CHANNEL = 'tessera:cache-invalidation';

/** Where the instance that published a message hears which instances applied it. */
function confirmationChannelOf(instanceId: string): string {
  return `${CHANNEL}:confirmed:${instanceId}`;
}

/** Long enough for a busy instance (a GC pause) to apply a change; a hung one only slows it. */
const CONFIRMATION_TIMEOUT_MS = 250;

/** Logged changes remembered as applied here; past it the oldest are forgotten (and re-applied). */
const MAX_REMEMBERED_APPLIED = 10_000;

/** What changed: each cache subscribes to the kinds it holds. */
export type Invalidation =
  | { kind: 'api_key'; id: string }
  | { kind: 'session'; id: string }
  /** Every session of a user but one (logout everywhere, password change, MFA turned on). */
  | { kind: 'user_sessions'; userId: string; exceptSessionId: string | null }
  | { kind: 'membership'; userId: string; organizationId: string }
  | { kind: 'organization'; id: string }
  /**
   * An OAuth client's settings or secret changed, or it was deleted (its grants, codes and
   * refresh tokens went with it: the tokens it was issued stop working).
   */
  | {
      kind: 'oauth_client';
      id: string;
      organizationId: string;
      change: 'updated' | 'secret_rotated' | 'deleted';
    }
  /** A user's grant to a client ended (revoked, or a refresh token or code reused). */
  | { kind: 'oauth_grant'; id: string }
  /** One access token revoked (RFC 7009), by `jti`. */
  | { kind: 'access_token'; jti: string }
  /**
   * A service account was created, changed (renamed, narrowed, disabled or enabled again) or
   * deleted, or one of its keys was added or revoked: its assertions, access tokens and API keys
   * are checked against it as it is now.
   */
  | {
      kind: 'service_account';
      id: string;
      organizationId: string;
      change: 'created' | 'updated' | 'disabled' | 'deleted' | 'key_added' | 'key_revoked';
    };

type Handler = (event: Invalidation) => void;

interface Message {
  origin: string;
  /** Absent in messages from versions that did not confirm. */
  id?: string;
  /** The change's number in the log; absent when it could not be logged. */
  seq?: number;
  event: Invalidation;
}

/**
 * Tells every instance's caches that something changed, and waits for each to confirm, so the
 * request that made the change answers only once no instance serves the old state (or after
 * CONFIRMATION_TIMEOUT_MS). Every change is also logged in the database, where an instance that
 * missed it over Redis (down, or it was reconnecting) reads it (InvalidationCatchUp).
 */
@Injectable()
export class CacheInvalidationBus implements OnModuleInit {
  private readonly logger = new Logger(CacheInvalidationBus.name);
  private readonly handlers = new Map<Invalidation['kind'], Handler[]>();
  private readonly confirmations = new InvalidationConfirmations(CONFIRMATION_TIMEOUT_MS);

  /** Tells this instance's messages apart when Redis echoes them back. */
  private readonly instanceId = randomUUID();
  private readonly subscribedListeners: (() => void)[] = [];
  /** Logged changes applied here already (this instance's own, and those Redis brought). */
  private readonly appliedSeqs = new Set<number>();

  constructor(
    private readonly redis: RedisConnections,
    private readonly log: CacheInvalidationLog,
  ) {}

  onModuleInit(): void {
    const subscriber = this.redis.subscriber;
    if (!subscriber) return;
    const confirmationChannel = confirmationChannelOf(this.instanceId);
    // Commands fail fast while disconnected (no offline queue), so subscribe once connected and
    // again after every reconnect; SUBSCRIBE to a channel already subscribed is a no-op.
    const subscribe = () =>
      void subscriber.subscribe(CHANNEL, confirmationChannel).then(
        () => this.subscribedListeners.forEach((listener) => listener()),
        () => undefined,
      );
    if (subscriber.status === 'ready') subscribe();
    subscriber.on('ready', subscribe);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === CHANNEL) this.receive(message);
      else if (channel === confirmationChannel) this.confirmations.confirm(message);
    });
  }

  on(kind: Invalidation['kind'], handler: Handler): void {
    this.handlers.set(kind, [...(this.handlers.get(kind) ?? []), handler]);
  }

  /**
   * Runs `listener` each time this instance has subscribed (again, after Redis came back): what
   * was published while it was not is only in the log.
   */
  onSubscribed(listener: () => void): void {
    this.subscribedListeners.push(listener);
  }

  /**
   * Applies here, now, logs it, then tells the other instances and waits until each has
   * confirmed (or the wait runs out), so a caller that awaits it can answer knowing the next
   * request anywhere sees the change (and, without Redis, that the others read it within the
   * poll interval). The one way to announce a change. Never throws.
   */
  async publish(event: Invalidation): Promise<void> {
    this.applyHere(event);
    const seq = await this.log.append(event).catch((error: unknown) => {
      this.logger.error(
        { err: error },
        `Could not log an invalidation (${event.kind}): instances that miss it over Redis keep ` +
          'their copy until it expires (60 s at most; STALE_IF_ERROR_SECONDS more while the ' +
          'database is out of their reach too)',
      );
      return undefined;
    });
    if (seq !== undefined) this.rememberApplied(seq);
    if (!this.redis.isReady()) return;
    const id = randomUUID();
    const confirmed = this.confirmations.open(id);
    try {
      const message: Message = { origin: this.instanceId, id, seq, event };
      const receivers = await this.redis.commands!.publish(CHANNEL, JSON.stringify(message));
      this.confirmations.expect(id, receivers);
    } catch (error) {
      this.confirmations.close(id);
      this.logger.warn({ err: error }, 'Could not publish a cache invalidation');
      return;
    }
    const outcome = await confirmed;
    if (outcome.confirmed < outcome.expected) {
      this.logger.warn(
        `${outcome.expected - outcome.confirmed} of ${outcome.expected} instances did not confirm ` +
          `a ${event.kind} invalidation within ${CONFIRMATION_TIMEOUT_MS} ms`,
      );
    }
  }

  private receive(raw: string): void {
    let message: Message;
    try {
      message = JSON.parse(raw) as Message;
      // Our own were applied at publish; our own receipt counts as one confirmation.
      if (message.origin !== this.instanceId) {
        this.applyHere(message.event);
        if (typeof message.seq === 'number') this.rememberApplied(message.seq);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Ignored a malformed cache invalidation message');
      return;
    }
    if (!message.id) return;
    if (message.origin === this.instanceId) this.confirmations.confirm(message.id);
    else this.sendConfirmation(message.origin, message.id);
  }

  private sendConfirmation(origin: string, id: string): void {
    if (!this.redis.isReady()) return;
    this.redis
      .commands!.publish(confirmationChannelOf(origin), id)
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'Could not confirm a cache invalidation'),
      );
  }

  /** Drops what `event` made stale from this instance's caches only. */
  applyHere(event: Invalidation): void {
    for (const handler of this.handlers.get(event.kind) ?? []) handler(event);
  }

  /**
   * Whether logged change `seq` was applied here already, so the log's reader need not apply it
   * again (dropping a user's tokens scans a cache); asked once per change.
   */
  takeApplied(seq: number): boolean {
    return this.appliedSeqs.delete(seq);
  }

  private rememberApplied(seq: number): void {
    this.appliedSeqs.add(seq);
    if (this.appliedSeqs.size > MAX_REMEMBERED_APPLIED) {
      this.appliedSeqs.delete(this.appliedSeqs.values().next().value!);
    }
  }
}

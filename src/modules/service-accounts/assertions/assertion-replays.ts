import { Injectable, Logger } from '@nestjs/common';
import { hash } from 'node:crypto';
import { RedisConnections } from '../../../common/cluster/redis-connections';
import { TemporarilyUnavailable } from '../../../common/errors/oauth-errors';
import { Clock } from '../../../common/time/clock';

/** Assertions remembered at once by an instance without Redis: about an hour of 25 a second. */
const MAX_REMEMBERED_HERE = 100_000;

const UNAVAILABLE =
  'Assertions cannot be checked for replay right now (Redis is unreachable): try again shortly';

/**
 * The `jti`s of accepted assertions, each remembered while its assertion could still be accepted,
 * so none is accepted twice (RFC 7523 section 3, item 7). With REDIS_URL every instance shares
 * them: one `SET key 1 NX PX ttl` decides, atomically, which of two requests (on any instances)
 * gets the token. Without Redis (a single instance), a bounded map in memory. With Redis
 * configured but unreachable the exchange is refused (503) rather than checked here only: an
 * instance cannot know what another accepted meanwhile.
 */
@Injectable()
export class AssertionReplays {
  private readonly logger = new Logger(AssertionReplays.name);
  /** Key -> when it may be forgotten (epoch ms, by the Clock). */
  private readonly seenHere = new Map<string, number>();

  constructor(
    private readonly redis: RedisConnections,
    private readonly clock: Clock,
  ) {}

  /** True the first time an account's `jti` is seen (remembered for `ttlMs`); false for a replay. */
  async firstUse(accountId: string, jti: string, ttlMs: number): Promise<boolean> {
    // jti is the signer's to choose, up to the parameter limit: its digest keys it.
    const key = `tessera:jwt-bearer:jti:${accountId}:${hash('sha256', jti, 'base64url')}`;
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const commands = this.redis.commands;
    if (commands === null) return this.firstUseHere(key, ttl);
    if (!this.redis.isReady()) throw new TemporarilyUnavailable(UNAVAILABLE);
    try {
      return (await commands.set(key, '1', 'PX', ttl, 'NX')) === 'OK';
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not record an assertion’s jti in Redis');
      throw new TemporarilyUnavailable(UNAVAILABLE);
    }
  }

  private firstUseHere(key: string, ttlMs: number): boolean {
    const now = this.clock.now();
    const until = this.seenHere.get(key);
    if (until !== undefined && until > now) return false;
    if (this.seenHere.size >= MAX_REMEMBERED_HERE) this.forgetExpired(now);
    // Forgetting a live jti would let its assertion in again: refuse instead.
    if (this.seenHere.size >= MAX_REMEMBERED_HERE) {
      throw new TemporarilyUnavailable('Too many assertions in the last hour: try again shortly');
    }
    this.seenHere.delete(key); // re-inserted last, in time order with the others
    this.seenHere.set(key, now + ttlMs);
    return true;
  }

  private forgetExpired(now: number): void {
    for (const [key, until] of this.seenHere) if (until <= now) this.seenHere.delete(key);
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { RedisConnections } from '../../../common/cluster/redis-connections';
import { ServiceUnavailableError } from '../../../common/errors/api-errors';
import { Clock } from '../../../common/time/clock';

/** Entries an instance without Redis holds at once (pending requests and seen assertions). */
const MAX_REMEMBERED_HERE = 100_000;
/**
 * Of those, what one connection may hold: GET /sso/:id/login is public, and one tenant's flood
 * of unanswered requests must not refuse every other tenant's logins.
 */
const MAX_REMEMBERED_PER_SCOPE = 10_000;
const UNAVAILABLE =
  'Single sign-on cannot be checked right now (Redis is unreachable): try again shortly';

/**
 * The short-lived SAML state: AuthnRequests awaiting their answer, and the IDs of assertions
 * already accepted. With REDIS_URL every instance shares it (an answer may reach another
 * instance than the one that sent the request; an assertion replayed to another instance is
 * still a replay): `SET NX PX` decides a first use atomically. Without Redis (one instance), a
 * bounded map in memory. With Redis configured but unreachable, the login is refused (503)
 * rather than checked here only, as the service accounts' assertion replay cache does.
 * In memory, entries count against their scope (a connection) as well as the whole.
 */
@Injectable()
export class SamlStateStore {
  private readonly logger = new Logger(SamlStateStore.name);
  /** Key -> [value, when it may be forgotten (epoch ms, by the Clock), its scope]. */
  private readonly here = new Map<string, [string, number, string]>();
  /** Entries held per scope. */
  private readonly heldPerScope = new Map<string, number>();

  constructor(
    private readonly redis: RedisConnections,
    private readonly clock: Clock,
  ) {}

  /**
   * Stores `value` under `key` for `ttlMs`, unless the key is there already: false then.
   * `scope` (a connection's id) bounds what one tenant holds in memory.
   */
  async setOnce(key: string, value: string, ttlMs: number, scope = '-'): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const commands = this.redis.commands;
    if (commands === null) return this.setOnceHere(key, value, ttl, scope);
    this.assertReady();
    try {
      return (await commands.set(key, value, 'PX', ttl, 'NX')) === 'OK';
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not write SAML state to Redis');
      throw new ServiceUnavailableError(UNAVAILABLE);
    }
  }

  async get(key: string): Promise<string | null> {
    const commands = this.redis.commands;
    if (commands === null) {
      const entry = this.here.get(key);
      return entry && entry[1] > this.clock.now() ? entry[0] : null;
    }
    this.assertReady();
    try {
      return await commands.get(key);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not read SAML state from Redis');
      throw new ServiceUnavailableError(UNAVAILABLE);
    }
  }

  /** Removes the key; answers its value if it was there (and live). */
  async take(key: string): Promise<string | null> {
    const commands = this.redis.commands;
    if (commands === null) {
      const value = await this.get(key);
      this.forget(key);
      return value;
    }
    this.assertReady();
    try {
      return await commands.getdel(key);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not remove SAML state from Redis');
      throw new ServiceUnavailableError(UNAVAILABLE);
    }
  }

  private assertReady(): void {
    if (!this.redis.isReady()) throw new ServiceUnavailableError(UNAVAILABLE);
  }

  private setOnceHere(key: string, value: string, ttlMs: number, scope: string): boolean {
    const now = this.clock.now();
    const entry = this.here.get(key);
    if (entry !== undefined && entry[1] > now) return false;
    const full = () =>
      this.here.size >= MAX_REMEMBERED_HERE ||
      (this.heldPerScope.get(scope) ?? 0) >= MAX_REMEMBERED_PER_SCOPE;
    if (full()) this.forgetExpired(now);
    // Forgetting a live entry would let a replay in: refuse instead.
    if (full()) {
      throw new ServiceUnavailableError('Too many sign-ins in progress: try again shortly');
    }
    this.forget(key);
    this.here.set(key, [value, now + ttlMs, scope]);
    this.heldPerScope.set(scope, (this.heldPerScope.get(scope) ?? 0) + 1);
    return true;
  }

  private forget(key: string): void {
    const entry = this.here.get(key);
    if (entry === undefined) return;
    this.here.delete(key);
    const held = (this.heldPerScope.get(entry[2]) ?? 1) - 1;
    if (held > 0) this.heldPerScope.set(entry[2], held);
    else this.heldPerScope.delete(entry[2]);
  }

  private forgetExpired(now: number): void {
    for (const [key, [, until]] of this.here) if (until <= now) this.forget(key);
  }
}

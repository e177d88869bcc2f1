import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { hash } from 'node:crypto';
import { PerTurnBatches } from '../../../common/cluster/per-turn-batches';
import { RedisConnections } from '../../../common/cluster/redis-connections';
import { scriptNumbers } from '../../../common/cluster/script-answers';
import { TemporarilyUnavailable } from '../../../common/errors/oauth-errors';
import { Clock } from '../../../common/time/clock';

/** Assertions remembered at once by an instance without Redis: about an hour of 25 a second. */
const MAX_REMEMBERED_HERE = 100_000;

/**
 * FIRST_USES: one `SET key 1 PX ttl NX` per jti, in order (a jti twice in one run: the first
 * wins). KEYS: the jtis' keys; ARGV: their ttls. Answers 1 (first use) or 0 (replay) each.
 */
const FIRST_USES = 'tesseraFirstUses';
const FIRST_USES_SCRIPT = `
local answers = {}
for i = 1, #KEYS do
  answers[i] = redis.call('SET', KEYS[i], '1', 'PX', ARGV[i], 'NX') and 1 or 0
end
return answers
`;
/** The most jtis one script run records. */
const MAX_JTIS_PER_RUN = 200;

type WithFirstUses = Redis & {
  [FIRST_USES](keyCount: number, ...keysThenTtls: (string | number)[]): Promise<unknown>;
};

const UNAVAILABLE =
  'Assertions cannot be checked for replay right now (Redis is unreachable): try again shortly';

/**
 * The `jti`s of accepted assertions, each remembered while its assertion could still be accepted,
 * so none is accepted twice (RFC 7523 section 3, item 7). With REDIS_URL every instance shares
 * them: one `SET key 1 NX PX ttl` decides, atomically, which of two requests (on any instances)
 * gets the token; the jtis of one event-loop turn are set in one script run (PerTurnBatches). Without Redis (a single instance), a bounded map in memory. With Redis
 * configured but unreachable the exchange is refused (503) rather than checked here only: an
 * instance cannot know what another accepted meanwhile.
 */
@Injectable()
export class AssertionReplays {
  private readonly logger = new Logger(AssertionReplays.name);
  /** Key -> when it may be forgotten (epoch ms, by the Clock). */
  private readonly seenHere = new Map<string, number>();
  private readonly shared: PerTurnBatches<{ key: string; ttl: number }, boolean> | null;

  constructor(
    private readonly redis: RedisConnections,
    private readonly clock: Clock,
  ) {
    const commands = redis.commands;
    this.shared = commands === null ? null : firstUsesInRedis(commands);
  }

  /** True the first time an account's `jti` is seen (remembered for `ttlMs`); false for a replay. */
  async firstUse(accountId: string, jti: string, ttlMs: number): Promise<boolean> {
    // jti is the signer's to choose, up to the parameter limit: its digest keys it.
    const key = `tessera:jwt-bearer:jti:${accountId}:${hash('sha256', jti, 'base64url')}`;
    const ttl = Math.max(1, Math.ceil(ttlMs));
    if (this.shared === null) return this.firstUseHere(key, ttl);
    if (!this.redis.isReady()) throw new TemporarilyUnavailable(UNAVAILABLE);
    try {
      return await this.shared.add({ key, ttl });
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

/** The jtis of a turn, first used or not, in one script run. */
function firstUsesInRedis(redis: Redis): PerTurnBatches<{ key: string; ttl: number }, boolean> {
  if (!(FIRST_USES in redis)) redis.defineCommand(FIRST_USES, { lua: FIRST_USES_SCRIPT });
  const client = redis as WithFirstUses;
  return new PerTurnBatches(async (jtis) => {
    const answer = await client[FIRST_USES](
      jtis.length,
      ...jtis.map(({ key }) => key),
      ...jtis.map(({ ttl }) => ttl),
    );
    return scriptNumbers(answer, jtis.length, 'jti check').map((first) => first === 1);
  }, MAX_JTIS_PER_RUN);
}

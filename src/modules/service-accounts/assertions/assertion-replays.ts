import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { hash } from 'node:crypto';
import { PerTurnBatches } from '../../../common/cluster/per-turn-batches';
import { RedisConnections } from '../../../common/cluster/redis-connections';
import { scriptNumbers } from '../../../common/cluster/script-answers';
import { InvalidGrant, TemporarilyUnavailable } from '../../../common/errors/oauth-errors';
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

const SIGNED_BEFORE_MEMORY =
  'This assertion was signed before Tessera began remembering used assertions (a restart): ' +
  'sign a new one';

/**
 * The `jti`s of accepted assertions, each remembered while its assertion could still be accepted,
 * so none is accepted twice (RFC 7523 section 3, item 7). With REDIS_URL every instance shares
 * them: one `SET key 1 NX PX ttl` decides, atomically, which of two requests (on any instances)
 * gets the token; the jtis of one event-loop turn are set in one script run (PerTurnBatches).
 * Without Redis (a single instance), a bounded map in memory. With Redis configured but
 * unreachable the exchange is refused (503) rather than checked here only: an instance cannot
 * know what another accepted meanwhile.
 *
 * What is remembered begins somewhere: at Redis's start (it keeps jtis in memory only), at this
 * process's start without Redis, or when the full map was emptied. An assertion signed (`iat`)
 * before that could have been used and forgotten, so it is refused; signers make a new assertion
 * per exchange, so only a replay, or a signer whose clock lags, meets this.
 */
@Injectable()
export class AssertionReplays {
  private readonly logger = new Logger(AssertionReplays.name);
  /** Key -> when it may be forgotten (epoch ms, by the Clock). */
  private readonly seenHere = new Map<string, number>();
  /** Without Redis: assertions signed before this (epoch ms) are refused. */
  private rememberedHereSince: number;
  private readonly shared: PerTurnBatches<{ key: string; ttl: number }, boolean> | null;

  constructor(
    private readonly redis: RedisConnections,
    private readonly clock: Clock,
  ) {
    const commands = redis.commands;
    this.shared = commands === null ? null : firstUsesInRedis(commands);
    this.rememberedHereSince = clock.now();
  }

  /**
   * True the first time an account's `jti` is seen (remembered for `ttlMs`); false for a replay.
   * `issuedAt`: the assertion's `iat` (seconds); one signed before the memory began is refused.
   */
  async firstUse(
    accountId: string,
    jti: string,
    ttlMs: number,
    issuedAt: number,
  ): Promise<boolean> {
    // jti is the signer's to choose, up to the parameter limit: its digest keys it.
    const key = `tessera:jwt-bearer:jti:${accountId}:${hash('sha256', jti, 'base64url')}`;
    const ttl = Math.max(1, Math.ceil(ttlMs));
    if (this.shared === null) return this.firstUseHere(key, ttl, issuedAt);
    if (!this.redis.isReady()) throw new TemporarilyUnavailable(UNAVAILABLE);
    const redisStartedAt = await this.redis.serverStartedAt();
    // Its start is known to the second: an assertion of that very second may predate it.
    if (redisStartedAt !== null) refuseSignedBefore(redisStartedAt + 1000, issuedAt);
    try {
      return await this.shared.add({ key, ttl });
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not record an assertion’s jti in Redis');
      throw new TemporarilyUnavailable(UNAVAILABLE);
    }
  }

  private firstUseHere(key: string, ttlMs: number, issuedAt: number): boolean {
    const now = this.clock.now();
    refuseSignedBefore(this.rememberedHereSince, issuedAt);
    const until = this.seenHere.get(key);
    if (until !== undefined && until > now) return false;
    if (this.seenHere.size >= MAX_REMEMBERED_HERE) this.forgetExpired(now);
    if (this.seenHere.size >= MAX_REMEMBERED_HERE) {
      // Full of live jtis (one signer can fill it): refusing every exchange until they expire
      // would stop every tenant for up to an hour. Forget them all and refuse what was signed
      // before the next second instead: whatever was forgotten was signed before that.
      this.seenHere.clear();
      this.rememberedHereSince = (Math.floor(now / 1000) + 1) * 1000;
      this.logger.warn(
        `More than ${MAX_REMEMBERED_HERE} assertions in their validity window: forgot them, and ` +
          'refuse assertions signed before the next second',
      );
      refuseSignedBefore(this.rememberedHereSince, issuedAt);
    }
    this.seenHere.delete(key); // re-inserted last, in time order with the others
    this.seenHere.set(key, now + ttlMs);
    return true;
  }

  private forgetExpired(now: number): void {
    for (const [key, until] of this.seenHere) if (until <= now) this.seenHere.delete(key);
  }
}

function refuseSignedBefore(rememberedSince: number, issuedAt: number): void {
  if (issuedAt * 1000 < Math.floor(rememberedSince / 1000) * 1000) {
    throw new InvalidGrant(SIGNED_BEFORE_MEMORY);
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

import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type Redis from 'ioredis';

const COMMAND = 'tesseraThrottlerIncrement';

type WithCommand = Redis & {
  [COMMAND](...args: (string | number)[]): Promise<unknown>;
};

/**
 * @nest-lab/throttler-storage-redis, with its own Lua script run by hash. The library sends the
 * whole script with every call (EVAL), so Redis receives and hashes ~700 bytes per counter on
 * every request; an ioredis command defined from the same script runs it with EVALSHA (loaded
 * once, and again by ioredis after a Redis restart). Same keys, same script, same record.
 */
export class CachedScriptRedisStorage extends ThrottlerStorageRedisService {
  private readonly client: WithCommand;

  constructor(redis: Redis) {
    super(redis);
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: this.scriptSrc });
    this.client = redis as WithCommand;
  }

  override async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const hitKey = `{${key}:${throttlerName}}:hits`;
    const blockKey = `{${key}:${throttlerName}}:blocked`;
    const result = await this.client[COMMAND](
      hitKey,
      blockKey,
      throttlerName,
      ttl,
      limit,
      blockDuration,
    );
    if (
      !Array.isArray(result) ||
      result.length !== 4 ||
      result.some((n) => typeof n !== 'number')
    ) {
      throw new TypeError(`Unexpected throttler script result: ${JSON.stringify(result)}`);
    }
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = result as number[];
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }
}
